using DnS.Core.Features;
using DnS.Core.Indexing;
using DnS.Core.Storage;

namespace DnS.Training.Data;

/// <summary>
/// Extracts the region features of video files once into a training feature store: a <see cref="FileVideoStore"/>
/// with no coarse embedding and the raw T×R×D floats as fine features (<see cref="SchemaFor"/>). Training then
/// streams them from the memory-mapped store (<see cref="OpenAsync"/>), so a corpus larger than RAM works.
/// </summary>
/// <remarks>
/// Videos flow through the same ingestion pipeline as an index: runs are resumable (ids already in the store are
/// skipped), finished videos are committed as <see cref="IngestionOptions"/> says (count, time, size), at the end and
/// on cancellation, and a file that cannot be extracted is reported in <see cref="IndexReport.Failed"/> while the rest go on.
/// </remarks>
public sealed class FeatureSetBuilder
{
    private readonly IVideoFeatureExtractor _extractor;
    private readonly IngestionOptions _options;

    /// <summary>Creates a builder over <paramref name="extractor"/> (not owned: the caller disposes it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public FeatureSetBuilder(IVideoFeatureExtractor extractor, IngestionOptions? options = null)
    {
        _options = options ?? new IngestionOptions();
        _options.Validate();
        _extractor = extractor;
    }

    /// <summary>The schema of a training feature store: no coarse embedding, raw float region vectors.</summary>
    public static StoreSchema SchemaFor(int regions, int dims) => new(0, FineFeatureKind.Float, regions, dims);

    /// <summary>Opens a feature store built by <see cref="BuildAsync"/> for reading.</summary>
    /// <exception cref="DirectoryNotFoundException">No store exists there.</exception>
    /// <exception cref="ArgumentException">The store keeps no float region features.</exception>
    public static async Task<FeatureSet> OpenAsync(string directory, CancellationToken cancellationToken = default)
    {
        var store = await FileVideoStore.OpenAsync(directory, new FileVideoStoreOptions { ReadOnly = true }, cancellationToken).ConfigureAwait(false);
        try { return new FeatureSet(store); }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Extracts every video not yet in the store at <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">The feature store folder.</param>
    /// <param name="videos">Ids (unique) and file paths.</param>
    /// <param name="progress">Receives an <see cref="IndexProgress"/> after each video.</param>
    /// <param name="cancellationToken">Stops the run; finished videos are committed first, then the cancellation propagates.</param>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    /// <exception cref="InvalidOperationException">The store exists with another schema (another extractor), or is locked by another writer.</exception>
    public async Task<IndexReport> BuildAsync(string directory, IReadOnlyList<VideoSource> videos,
        IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        VideoSource.ThrowIfIdsRepeat(videos); // before the store is made
        var store = await FileVideoStore.CreateOrOpenAsync(directory, SchemaFor(_extractor.Regions, _extractor.Dimensions), cancellationToken).ConfigureAwait(false);
        await using var storeDisposal = store.ConfigureAwait(false);
        var pipeline = new IngestionPipeline<RegionFeatures>(store, _options)
        {
            Extract = (video, ct) => _extractor.ExtractAsync(video.Path, ct),
            Records = (video, features) => [new VideoRecord(video.Id, features.Frames, ReadOnlyMemory<float>.Empty, features.Values, ReadOnlyMemory<ulong>.Empty, float.NaN)],
            IsCurrent = video => store.TryGetOrdinal(video.Id, out _),
        };
        return await pipeline.RunAsync(videos, progress, cancellationToken).ConfigureAwait(false);
    }
}
