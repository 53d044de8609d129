namespace DnS.Core.Storage;

/// <summary>An <see cref="IVideoStoreSnapshot"/> over an immutable view; <paramref name="release"/> runs once, at the first dispose.</summary>
internal sealed class VideoStoreSnapshot(IVideoStoreView view, Action release) : IVideoStoreSnapshot
{
    private int _disposed;

    public StoreSchema Schema => View.Schema;

    public int Count => View.Count;

    public IReadOnlyList<string> Ids => View.Ids;

    public IReadOnlyList<CoarseBlock> CoarseBlocks => View.CoarseBlocks;

    public IReadOnlyDictionary<string, string> Metadata => View.Metadata;

    private IVideoStoreView View
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return view;
        }
    }

    public VideoRecord GetRecord(int ordinal) => View.GetRecord(ordinal);

    public string GetId(int ordinal) => View.GetId(ordinal);

    public bool TryGetOrdinal(string id, out int ordinal) => View.TryGetOrdinal(id, out ordinal);

    public bool TryGetRecord(string id, out VideoRecord record) => View.TryGetRecord(id, out record);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) release();
    }
}
