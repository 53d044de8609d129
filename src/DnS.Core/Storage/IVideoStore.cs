namespace DnS.Core.Storage;

/// <summary>
/// The pluggable storage seam of the index: records keyed by video id, a coarse matrix the engine scans
/// block by block, and transactional commits. <see cref="InMemoryVideoStore"/> and the durable
/// <see cref="FileVideoStore"/> implement it; server databases or shards fit behind the same interface.
/// </summary>
/// <remarks>
/// Reads see the state of the last commit (or the last <see cref="RefreshAsync"/> of a read-only store);
/// staged additions become visible at <see cref="CommitAsync"/>. Implementations are safe for concurrent
/// readers; one writer at a time.
/// </remarks>
public interface IVideoStore : IAsyncDisposable
{
    /// <summary>The layout every record follows.</summary>
    StoreSchema Schema { get; }

    /// <summary>Live videos as of the last commit.</summary>
    int Count { get; }

    /// <summary>Ids of the live videos, in ordinal order.</summary>
    IReadOnlyList<string> Ids { get; }

    /// <summary>The coarse embeddings, in blocks (ordinals may include dead rows: check <see cref="CoarseBlock.IsLive"/>).</summary>
    IReadOnlyList<CoarseBlock> CoarseBlocks { get; }

    /// <summary>The record at a store-wide ordinal (as found in <see cref="CoarseBlocks"/>).</summary>
    VideoRecord GetRecord(int ordinal);

    /// <summary>The id at a store-wide ordinal, without materialising the record.</summary>
    string GetId(int ordinal);

    /// <summary>Finds the ordinal of a live video.</summary>
    bool TryGetOrdinal(string id, out int ordinal);

    /// <summary>Finds a live record by id.</summary>
    bool TryGetRecord(string id, out VideoRecord record);

    /// <summary>Stages a record; a record with an existing id replaces it at commit.</summary>
    /// <exception cref="ArgumentException">The record does not fit <see cref="Schema"/>.</exception>
    /// <exception cref="InvalidOperationException">The store is read-only.</exception>
    ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Named metadata committed atomically with the records (e.g. what built the index, the source of every video):
    /// the state of the last commit. Values are opaque strings (JSON by convention).
    /// </summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Stages a metadata value (<see langword="null"/> removes the key); it becomes visible at <see cref="CommitAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">The store is read-only.</exception>
    ValueTask SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default);

    /// <summary>Stages the removal of a video; returns false when no such id is live or staged.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Makes the staged changes durable and visible, atomically: all of them or none.</summary>
    Task CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Re-reads the last committed state (for readers of a store another process writes).</summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>Videos, frames and bytes per component.</summary>
    StorageReport GetStorageReport();
}
