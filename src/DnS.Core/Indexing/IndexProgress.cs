namespace DnS.Core.Indexing;

/// <summary>Progress of an ingestion run, reported after each video (skipped videos are reported first).</summary>
/// <param name="Total">Videos in the run.</param>
/// <param name="Indexed">Videos extracted and stored so far.</param>
/// <param name="Skipped">Videos already in the store from the same source, left alone.</param>
/// <param name="Failed">Videos that failed so far.</param>
/// <param name="Frames">Frames encoded so far.</param>
/// <param name="LastId">The video that just finished.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record IndexProgress(int Total, int Indexed, int Skipped, int Failed, long Frames, string LastId, TimeSpan Elapsed)
{
    /// <summary>Finished videos (indexed, skipped or failed).</summary>
    public int Completed => Indexed + Skipped + Failed;
}
