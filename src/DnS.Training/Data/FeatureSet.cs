using DnS.Core.Storage;

namespace DnS.Training.Data;

/// <summary>An open training feature store and the <see cref="IRegionFeatureSource"/> over it; disposing closes the store.</summary>
public sealed class FeatureSet : IAsyncDisposable
{
    internal FeatureSet(FileVideoStore store)
    {
        Store = store;
        Source = new StoreFeatureSource(store);
    }

    /// <summary>The store (read-only).</summary>
    public FileVideoStore Store { get; }

    /// <summary>The videos as a dense-index feature source, in store order as of opening.</summary>
    public StoreFeatureSource Source { get; }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
