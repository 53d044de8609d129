namespace DnS.Training.Teachers;

/// <summary>Progress of a teacher pass (mining anchors or scoring pairs).</summary>
/// <param name="Total">Work items in the pass (anchors or pairs).</param>
/// <param name="Completed">Work items done so far.</param>
/// <param name="Elapsed">Time since the pass started.</param>
public sealed record ScoringProgress(long Total, long Completed, TimeSpan Elapsed)
{
    /// <summary>Estimated time left, from the rate so far (null before the first item).</summary>
    public TimeSpan? Remaining => Completed == 0 ? null : Elapsed * ((double)(Total - Completed) / Completed);
}
