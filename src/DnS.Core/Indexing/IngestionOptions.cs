namespace DnS.Core.Indexing;

/// <summary>
/// How videos flow from extraction into a store, for every writer of extracted features (<see cref="VideoIndexer"/>,
/// <see cref="Library.VideoLibrary"/>, the training feature sets): how many videos are extracted at once and when
/// finished work is committed. A commit happens after <see cref="CommitEveryVideos"/> videos, after
/// <see cref="CommitInterval"/>, or once <see cref="CommitEveryBytes"/> are staged — whichever comes first — and at the
/// end of a run and on cancellation.
/// </summary>
public sealed record IngestionOptions
{
    /// <summary>Videos decoded and encoded at once (each runs its own ffmpeg process). Default 2.</summary>
    public int ExtractionParallelism { get; init; } = 2;

    /// <summary>Extracted videos waiting to be stored (bounds memory). Default 4.</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>Commit after this many stored videos. Default 256.</summary>
    public int CommitEveryVideos { get; init; } = 256;

    /// <summary>Commit when this much time has passed since the last commit and something is staged. Default 30 s.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Commit once the staged records hold this many bytes of features. Default 256 MiB.</summary>
    public long CommitEveryBytes { get; init; } = 256L << 20;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ExtractionParallelism, 1, nameof(ExtractionParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(CommitEveryVideos, 1, nameof(CommitEveryVideos));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CommitInterval, TimeSpan.Zero, nameof(CommitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(CommitEveryBytes, 1, nameof(CommitEveryBytes));
    }
}
