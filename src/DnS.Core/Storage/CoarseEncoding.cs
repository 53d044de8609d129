namespace DnS.Core.Storage;

/// <summary>How a store keeps the coarse embeddings (<see cref="StoreSchema.CoarseEncoding"/>).</summary>
public enum CoarseEncoding
{
    /// <summary>4·D bytes per video: the exact float vectors, scanned as floats.</summary>
    Float = 0,

    /// <summary>D + 4 bytes per video: int8 codes and one float scale (see <see cref="Kernels.QuantizedDotKernel"/>); the
    /// coarse scores are int8 estimates and a record's coarse embedding is its dequantized codes.</summary>
    Int8 = 1,

    /// <summary>5·D + 4 bytes per video: the int8 codes, scanned to pre-rank, and the exact floats, read only for the best
    /// candidates, which are re-scored exactly (the ranking the float scan gives, at a quarter of its reads).</summary>
    Int8AndFloat = 2,
}
