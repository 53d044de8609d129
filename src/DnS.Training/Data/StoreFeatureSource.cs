using DnS.Core.Storage;

namespace DnS.Training.Data;

/// <summary>
/// Training features read from an <see cref="IVideoStore"/> whose fine features are the raw float region vectors
/// (a feature store built for training, or an index built with the parameter-free float models). Reads go straight
/// to the store's memory-mapped records, so nothing is copied or held in RAM.
/// </summary>
public sealed class StoreFeatureSource : IRegionFeatureSource
{
    private readonly IVideoStore _store;
    private readonly int[] _ordinals;
    private readonly string[] _ids;

    /// <summary>Wraps the live videos of <paramref name="store"/> as of its last commit, indexed in ordinal id order.</summary>
    /// <exception cref="ArgumentException">The store keeps no float fine features.</exception>
    public StoreFeatureSource(IVideoStore store)
    {
        if (store.Schema.FineKind != FineFeatureKind.Float)
            throw new ArgumentException($"training needs float region features, but the store keeps {store.Schema.FineKind} fine features", nameof(store));
        _store = store;
        // Videos in id order, not store order: parallel extraction stores them in the order they finish, and the seeded
        // pair sampler indexes this order, so the same corpus must always give the same indices.
        _ids = [.. store.Ids];
        Array.Sort(_ids, StringComparer.Ordinal);
        _ordinals = new int[_ids.Length];
        for (int i = 0; i < _ids.Length; i++)
            if (!store.TryGetOrdinal(_ids[i], out _ordinals[i])) throw new InvalidOperationException($"video '{_ids[i]}' vanished from the store while it was opened");
    }

    /// <inheritdoc/>
    public int Count => _ids.Length;

    /// <inheritdoc/>
    public int Regions => _store.Schema.Regions;

    /// <inheritdoc/>
    public int Dims => _store.Schema.FineDimensions;

    /// <inheritdoc/>
    public string GetId(int video) => _ids[video];

    /// <inheritdoc/>
    public int GetFrames(int video) => _store.GetRecord(_ordinals[video]).Frames;

    /// <inheritdoc/>
    public ReadOnlyMemory<float> GetFeatures(int video) => _store.GetRecord(_ordinals[video]).FineFloats;
}
