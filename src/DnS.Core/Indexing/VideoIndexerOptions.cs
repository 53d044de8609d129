namespace DnS.Core.Indexing;

/// <summary>Tuning of a <see cref="VideoIndexer"/>.</summary>
public sealed record VideoIndexerOptions
{
    /// <summary>Videos decoded and encoded at once (each runs its own ffmpeg process). Default 2.</summary>
    public int ExtractionParallelism { get; init; } = 2;

    /// <summary>Extracted videos waiting for the networks (bounds memory). Default 4.</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>Commit after this many indexed videos, so a long run keeps its progress. Default 256.</summary>
    public int CommitEvery { get; init; } = 256;
}
