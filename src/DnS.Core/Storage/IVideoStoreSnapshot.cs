namespace DnS.Core.Storage;

/// <summary>
/// One committed version of a store, pinned until disposed (<see cref="IVideoStore.AcquireSnapshot"/>): ordinals, ids,
/// coarse blocks and records all belong to that version however many commits, replacements, removals or compactions
/// happen meanwhile, and the space of segments it uses is reclaimed only after it is disposed.
/// </summary>
/// <remarks>
/// Records, coarse blocks and their memory stay valid while the snapshot is held. After <see cref="IDisposable.Dispose"/>
/// every member throws <see cref="ObjectDisposedException"/>, and so does reading the memory of a record or block it
/// handed out once no other snapshot holds that data (a span taken before disposal must not be used after it).
/// Thread-safe; dispose it once no thread reads from it.
/// </remarks>
public interface IVideoStoreSnapshot : IVideoStoreView, IDisposable;
