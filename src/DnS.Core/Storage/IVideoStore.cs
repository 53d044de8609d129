namespace DnS.Core.Storage;

/// <summary>
/// The pluggable storage seam of the index: records keyed by video id, a coarse matrix the engine scans
/// block by block, and transactional commits. <see cref="InMemoryVideoStore"/> and the durable
/// <see cref="FileVideoStore"/> implement it; server databases or shards fit behind the same interface.
/// </summary>
/// <remarks>
/// The read members (<see cref="IVideoStoreView"/>) see the last commit (or the last <see cref="RefreshAsync"/> of a
/// read-only store), each call on its own: a commit between two calls may move ordinals, and records read from the
/// store itself are only guaranteed valid until its next commit or refresh. Work that spans several calls (a search)
/// takes an <see cref="AcquireSnapshot"/>. Staged additions become visible at <see cref="CommitAsync"/>.
/// Implementations are safe for concurrent readers; one writer at a time. After disposal every member throws
/// <see cref="ObjectDisposedException"/>; snapshots acquired before stay usable until they are disposed.
/// </remarks>
public interface IVideoStore : IVideoStoreView, IAsyncDisposable
{
    /// <summary>Pins the last committed version for reading until the snapshot is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    IVideoStoreSnapshot AcquireSnapshot();

    /// <summary>Stages a record; a record with an existing id replaces it at commit.</summary>
    /// <exception cref="ArgumentException">The record does not fit <see cref="IVideoStoreView.Schema"/>.</exception>
    /// <exception cref="InvalidOperationException">The store is read-only.</exception>
    ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default);

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
