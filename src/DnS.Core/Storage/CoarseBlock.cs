namespace DnS.Core.Storage;

/// <summary>
/// A contiguous run of coarse embeddings (row-major, <see cref="Count"/> × dims) for the coarse scan, with the
/// ordinals they belong to. Rows whose <see cref="IsLive"/> is false were replaced or removed and must be skipped.
/// </summary>
/// <param name="Vectors">The rows (memory-mapped for on-disk stores: no copy); empty when the store keeps only int8 codes
/// (<see cref="CoarseEncoding.Int8"/>).</param>
/// <param name="Count">Rows in this block.</param>
/// <param name="FirstOrdinal">Store-wide ordinal of the first row (ordinals index <see cref="IVideoStoreView.GetRecord"/>).</param>
/// <param name="Live">Per-row liveness; empty means every row is live.</param>
/// <param name="SelfSimilarities">Per-row selector self-similarity (the selector's per-video input), as a column for batch scoring.</param>
public readonly record struct CoarseBlock(ReadOnlyMemory<float> Vectors, int Count, int FirstOrdinal, ReadOnlyMemory<bool> Live, ReadOnlyMemory<float> SelfSimilarities)
{
    /// <summary>The rows as int8 codes (<see cref="Count"/> × dims, row-major; memory-mapped for on-disk stores), empty
    /// unless the store's <see cref="StoreSchema.CoarseEncoding"/> keeps codes.</summary>
    public ReadOnlyMemory<sbyte> Codes { get; init; }

    /// <summary>One scale per row of <see cref="Codes"/> (float value ≈ code · scale), empty when there are no codes.</summary>
    public ReadOnlyMemory<float> Scales { get; init; }

    /// <summary>Each row's region means as int8 codes (<see cref="Count"/> × R × D, row-major; memory-mapped for on-disk
    /// stores), empty unless the store's <see cref="StoreSchema.RegionMeans"/> keeps them.</summary>
    public ReadOnlyMemory<sbyte> RegionCodes { get; init; }

    /// <summary>One scale per region mean of <see cref="RegionCodes"/> (<see cref="Count"/> × R), empty when there are none.</summary>
    public ReadOnlyMemory<float> RegionScales { get; init; }

    /// <summary>Whether row <paramref name="row"/> of this block is a live video.</summary>
    public bool IsLive(int row) => Live.IsEmpty || Live.Span[row];
}
