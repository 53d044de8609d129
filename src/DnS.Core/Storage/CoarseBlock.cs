namespace DnS.Core.Storage;

/// <summary>
/// A contiguous run of coarse embeddings (row-major, <see cref="Count"/> × dims) for the coarse scan, with the
/// ordinals they belong to. Rows whose <see cref="IsLive"/> is false were replaced or removed and must be skipped.
/// </summary>
/// <param name="Vectors">The rows (memory-mapped for on-disk stores: no copy).</param>
/// <param name="Count">Rows in this block.</param>
/// <param name="FirstOrdinal">Store-wide ordinal of the first row (ordinals index <see cref="IVideoStoreView.GetRecord"/>).</param>
/// <param name="Live">Per-row liveness; empty means every row is live.</param>
/// <param name="SelfSimilarities">Per-row selector self-similarity (the selector's per-video input), as a column for batch scoring.</param>
public readonly record struct CoarseBlock(ReadOnlyMemory<float> Vectors, int Count, int FirstOrdinal, ReadOnlyMemory<bool> Live, ReadOnlyMemory<float> SelfSimilarities)
{
    /// <summary>Whether row <paramref name="row"/> of this block is a live video.</summary>
    public bool IsLive(int row) => Live.IsEmpty || Live.Span[row];
}
