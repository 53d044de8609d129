using DnS.Core.Features;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Cli;

/// <summary>An open index with the extractor and networks its profile names: what search and similarity work on.</summary>
internal sealed class IndexSession : IAsyncDisposable
{
    private IndexSession(FileVideoStore store, IndexProfile profile, IVideoFeatureExtractor extractor, DnsModels models)
    {
        Store = store;
        Profile = profile;
        Extractor = extractor;
        Models = models;
    }

    public FileVideoStore Store { get; }

    public IndexProfile Profile { get; }

    public IVideoFeatureExtractor Extractor { get; }

    public DnsModels Models { get; }

    public static async Task<IndexSession> OpenAsync(string index, string? models, CancellationToken cancellationToken)
    {
        var profile = IndexProfile.Read(index) ?? throw new ArgumentException($"{index} is not a dns index ({IndexProfile.FileName} is missing)");
        // Stored embeddings depend on the networks, so a query must be encoded by the ones that built the index.
        if (models is not null && Path.GetFullPath(models) != profile.Models)
            throw new ArgumentException($"the index at {index} was built with {profile}; --models {models} needs an index built with it (dns index … --models {models})");
        var store = await FileVideoStore.OpenAsync(index, cancellationToken: cancellationToken);
        var extractor = profile.CreateExtractor();
        return new IndexSession(store, profile, extractor, profile.CreateModels(extractor));
    }

    /// <summary>A query given as a video file (indexed on the fly) or as the id of an indexed video.</summary>
    /// <exception cref="KeyNotFoundException">Neither a file nor an indexed id.</exception>
    public async Task<VideoRecord> ResolveQueryAsync(string query, CancellationToken cancellationToken)
    {
        if (File.Exists(query))
        {
            var features = await Extractor.ExtractAsync(query, cancellationToken);
            return VideoRecordFactory.Create(Models, Path.GetFileNameWithoutExtension(query), features.Values);
        }
        return Store.TryGetRecord(query, out var record)
            ? record
            : throw new KeyNotFoundException($"'{query}' is neither a video file nor the id of an indexed video");
    }

    public async ValueTask DisposeAsync()
    {
        Extractor.Dispose();
        await Store.DisposeAsync();
    }
}
