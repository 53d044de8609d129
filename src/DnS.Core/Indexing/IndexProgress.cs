namespace DnS.Core.Indexing;

/// <summary>Progress of an indexing run, reported after each video.</summary>
/// <param name="Total">Videos in the run.</param>
/// <param name="Indexed">Videos indexed so far.</param>
/// <param name="Failed">Videos that failed so far.</param>
/// <param name="Frames">Frames encoded so far.</param>
/// <param name="LastId">The video that just finished.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record IndexProgress(int Total, int Indexed, int Failed, long Frames, string LastId, TimeSpan Elapsed)
{
    /// <summary>Finished videos (indexed or failed).</summary>
    public int Completed => Indexed + Failed;
}
