using DnS.Core.Features;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Core.Indexing;

/// <summary>
/// Indexes videos into a store you wired yourself (most hosts use <see cref="Library.VideoLibrary"/>, which also
/// records what built the index and where each video came from): feature extraction (several videos at once) →
/// networks → store. One bad file never stops the batch: it is reported in <see cref="IndexReport.Failed"/>. Videos
/// whose id is already in the store are replaced. Completed videos are committed as <see cref="IngestionOptions"/>
/// says, at the end, and on cancellation (then the <see cref="OperationCanceledException"/> propagates), so finished
/// work is never lost.
/// </summary>
public sealed class VideoIndexer
{
    private readonly IngestionPipeline<RegionFeatures> _pipeline;

    /// <summary>Creates an indexer.</summary>
    /// <exception cref="ArgumentException">The extractor's output, the networks and the store's schema do not fit together.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public VideoIndexer(IVideoFeatureExtractor features, DnsModels models, IVideoStore store, IngestionOptions? options = null)
    {
        CheckFit(features, models, store.Schema);
        _pipeline = new IngestionPipeline<RegionFeatures>(store, options ?? new IngestionOptions())
        {
            Extract = (video, ct) => features.ExtractAsync(video.Path, ct),
            Records = (video, extracted) => [VideoRecordFactory.Create(models, video.Id, extracted.Values)],
        };
    }

    /// <summary>Indexes the videos; see the type remarks for failure and cancellation behavior.</summary>
    /// <param name="videos">The videos (ids unique within the run).</param>
    /// <param name="progress">Receives an <see cref="IndexProgress"/> after each video.</param>
    /// <param name="cancellationToken">Stops the run; completed videos are committed first.</param>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    public Task<IndexReport> IndexAsync(IReadOnlyList<VideoSource> videos, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _pipeline.RunAsync(videos, progress, cancellationToken);

    /// <summary>Throws unless the extractor's features fit the networks and the networks' records fit the schema.</summary>
    internal static void CheckFit(IVideoFeatureExtractor features, DnsModels models, StoreSchema schema)
    {
        if (features.Regions != models.Fine.Regions || features.Dimensions != models.Fine.Dims)
            throw new ArgumentException($"the extractor yields {features.Regions}×{features.Dimensions} region features, the networks expect {models.Fine.Regions}×{models.Fine.Dims}");
        // The coarse encoding and the region means are the store's choice of how to keep what the networks produce.
        var produced = VideoRecordFactory.SchemaOf(models) with { CoarseEncoding = schema.CoarseEncoding, RegionMeans = schema.RegionMeans };
        if (schema != produced) throw new ArgumentException($"the store holds {schema}, the networks produce {produced}");
    }
}
