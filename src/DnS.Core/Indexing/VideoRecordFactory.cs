using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Core.Indexing;

/// <summary>Runs the index-side networks on a video's region features: the record a store keeps (and a query needs).</summary>
public static class VideoRecordFactory
{
    /// <summary>The store layout the given networks produce.</summary>
    public static StoreSchema SchemaOf(DnsModels models) => models.Fine.Variant == FineGrainedVariant.Binary
        ? new StoreSchema(models.Coarse.OutputDims, FineFeatureKind.Binary, models.Fine.Regions, models.Fine.Bits)
        : new StoreSchema(models.Coarse.OutputDims, FineFeatureKind.Float, models.Fine.Regions, models.Fine.Dims);

    /// <summary>Indexes one video: coarse embedding, fine features and (with a selector) its self-similarity.</summary>
    /// <param name="models">The networks.</param>
    /// <param name="id">The video's id.</param>
    /// <param name="regions">T×R×D region features (T ≥ 1).</param>
    public static VideoRecord Create(DnsModels models, string id, ReadOnlySpan<float> regions)
    {
        var coarse = models.Coarse.IndexVideo(regions);
        var fine = models.Fine.IndexVideo(regions);
        float selfSimilarity = models.Selector?.IndexVideo(regions) ?? float.NaN;
        return fine.IsBinary
            ? new VideoRecord(id, fine.Frames, coarse, ReadOnlyMemory<float>.Empty, fine.CodeMemory, selfSimilarity)
            : new VideoRecord(id, fine.Frames, coarse, fine.ValueMemory, ReadOnlyMemory<ulong>.Empty, selfSimilarity);
    }
}
