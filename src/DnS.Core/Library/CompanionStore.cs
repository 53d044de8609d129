using DnS.Core.Storage;

namespace DnS.Core.Library;

/// <summary>
/// A second <see cref="FileVideoStore"/> in a subfolder of an index folder, keyed by the main store's video ids, that
/// holds another feature set of the same videos (the text side's CLIP frame embeddings; another backbone's features
/// could live the same way). It records the source of each of its videos in its own metadata
/// (<see cref="VideoLibrary.SourcesKey"/>), so it tells a current entry from one extracted from an older file.
/// </summary>
/// <remarks>
/// The crash-safety rule between the two stores (docs/index-format.md): additions are committed to the main store
/// first and to the companion after it, removals to the companion first and to the main store after it. The
/// companion's ids are therefore always a subset of the main store's (a search over it never returns a video the
/// library does not hold), and a video the main store holds but the companion lacks, or holds from another source
/// (a crash between the two commits), is not current: the next add run extracts the companion's side of it again.
/// </remarks>
internal sealed class CompanionStore : IAsyncDisposable
{
    private readonly Dictionary<string, VideoSourceInfo?> _staged = new(StringComparer.Ordinal);
    private Dictionary<string, VideoSourceInfo> _sources;

    private CompanionStore(FileVideoStore store, Dictionary<string, VideoSourceInfo> sources)
    {
        Store = store;
        _sources = sources;
    }

    /// <summary>The store (its records and coarse blocks are what searches read).</summary>
    public FileVideoStore Store { get; }

    /// <summary>
    /// Opens the companion in <paramref name="folder"/>; a writer creates it when missing.
    /// </summary>
    /// <exception cref="InvalidOperationException">A writer finds another layout than <paramref name="schema"/> there.</exception>
    /// <exception cref="InvalidDataException">A reader finds another layout, or its sources are malformed.</exception>
    public static async Task<CompanionStore> OpenAsync(string folder, StoreSchema schema, bool readOnly, CancellationToken cancellationToken)
    {
        // A writer creates it (or refuses one of another layout, naming the folder); a reader only opens it.
        var store = readOnly
            ? await FileVideoStore.OpenAsync(folder, new FileVideoStoreOptions { ReadOnly = true }, cancellationToken).ConfigureAwait(false)
            : await FileVideoStore.CreateOrOpenAsync(folder, schema, cancellationToken).ConfigureAwait(false);
        try
        {
            if (store.Schema != schema)
                throw new InvalidDataException($"{folder}: the store holds {store.Schema}, not {schema}");
            var sources = store.Metadata.TryGetValue(VideoLibrary.SourcesKey, out var json)
                ? VideoLibrary.ParseSources(json, folder)
                : new Dictionary<string, VideoSourceInfo>(StringComparer.Ordinal);
            return new CompanionStore(store, sources);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the companion's committed entry of <paramref name="id"/> was extracted from <paramref name="source"/>.</summary>
    public bool IsCurrent(string id, VideoSourceInfo? source) =>
        source is not null && Store.TryGetOrdinal(id, out _) && _sources.TryGetValue(id, out var known) && known == source;

    /// <summary>Stages a record extracted from <paramref name="source"/> (replacing one of the same id at commit).</summary>
    public async ValueTask StageAsync(VideoRecord record, VideoSourceInfo source, CancellationToken cancellationToken)
    {
        await Store.AddAsync(record, cancellationToken).ConfigureAwait(false);
        _staged[record.Id] = source;
    }

    /// <summary>Stages the removal of the given ids (those it holds).</summary>
    public async ValueTask StageRemovalAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        foreach (var id in ids)
            if (await Store.RemoveAsync(id, cancellationToken).ConfigureAwait(false)) _staged[id] = null;
    }

    /// <summary>Commits the staged records and removals with their sources (nothing when none is staged).</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_staged.Count == 0) return;
        var sources = new Dictionary<string, VideoSourceInfo>(_sources, StringComparer.Ordinal);
        foreach (var (id, source) in _staged)
            if (source is null) sources.Remove(id);
            else sources[id] = source;
        await Store.SetMetadataAsync(VideoLibrary.SourcesKey, VideoLibrary.SerializeSources(sources), cancellationToken).ConfigureAwait(false);
        await Store.CommitAsync(cancellationToken).ConfigureAwait(false);
        _sources = sources;
        _staged.Clear();
    }

    /// <summary>Releases the store (and its writer lock).</summary>
    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
