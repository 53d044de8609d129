namespace DnS.Core.Storage;

/// <summary>What a store holds and what each component costs on disk (or in memory).</summary>
/// <param name="Videos">Live videos.</param>
/// <param name="Frames">Frames over all live videos.</param>
/// <param name="CoarseBytes">Bytes of coarse embeddings.</param>
/// <param name="FineBytes">Bytes of fine features.</param>
/// <param name="MetadataBytes">Bytes of ids, record tables, headers, manifests and dead records not yet compacted.</param>
public sealed record StorageReport(int Videos, long Frames, long CoarseBytes, long FineBytes, long MetadataBytes)
{
    /// <summary>Bytes of region means (<see cref="StoreSchema.RegionMeans"/>; 0 without them).</summary>
    public long RegionMeanBytes { get; init; }

    /// <summary>All bytes.</summary>
    public long TotalBytes => CoarseBytes + FineBytes + RegionMeanBytes + MetadataBytes;

    /// <summary>Mean bytes per video of the coarse component.</summary>
    public double CoarseBytesPerVideo => Videos == 0 ? 0 : (double)CoarseBytes / Videos;

    /// <summary>Mean bytes per video of the fine component.</summary>
    public double FineBytesPerVideo => Videos == 0 ? 0 : (double)FineBytes / Videos;

    /// <summary>Mean bytes per video, everything included.</summary>
    public double TotalBytesPerVideo => Videos == 0 ? 0 : (double)TotalBytes / Videos;
}
