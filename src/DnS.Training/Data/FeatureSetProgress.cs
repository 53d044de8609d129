namespace DnS.Training.Data;

/// <summary>Progress of a <see cref="FeatureSetBuilder"/> run, reported after each video.</summary>
/// <param name="Total">Videos in the run, including those already in the store.</param>
/// <param name="Extracted">Videos extracted by this run so far.</param>
/// <param name="Skipped">Videos skipped because the store already held them.</param>
/// <param name="Failed">Videos that failed so far.</param>
/// <param name="Frames">Frames extracted by this run so far.</param>
/// <param name="LastId">The video that just finished (or was skipped).</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record FeatureSetProgress(int Total, int Extracted, int Skipped, int Failed, long Frames, string LastId, TimeSpan Elapsed)
{
    /// <summary>Videos dealt with so far (extracted, skipped or failed).</summary>
    public int Completed => Extracted + Skipped + Failed;
}
