namespace DnS.Core.Storage;

/// <summary>
/// Everything the retrieval cascade keeps for one indexed video: its coarse embedding, its fine-grained
/// features (floats or packed bits) and the selector's self-similarity.
/// </summary>
/// <param name="Id">The video's id (unique in a store).</param>
/// <param name="Frames">T, sampled frames.</param>
/// <param name="Coarse">The coarse embedding (schema's coarse dimensions).</param>
/// <param name="FineFloats">T×R×D floats when the schema's fine kind is <see cref="FineFeatureKind.Float"/>, else empty.</param>
/// <param name="FineCodes">T×R×⌈D/64⌉ packed codes when the fine kind is <see cref="FineFeatureKind.Binary"/>, else empty.</param>
/// <param name="SelfSimilarity">The selector network's per-video score (NaN when no selector is used).</param>
public sealed record VideoRecord(
    string Id,
    int Frames,
    ReadOnlyMemory<float> Coarse,
    ReadOnlyMemory<float> FineFloats,
    ReadOnlyMemory<ulong> FineCodes,
    float SelfSimilarity)
{
    /// <summary>The int8 codes of <see cref="Coarse"/> as a store holds them (mapped), so compaction copies them instead of
    /// quantizing again; empty for records built by callers (a store quantizes their floats).</summary>
    internal ReadOnlyMemory<sbyte> CoarseCodes { get; init; }

    /// <summary>The scale of <see cref="CoarseCodes"/>.</summary>
    internal float CoarseScale { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the record does not fit <paramref name="schema"/>.</summary>
    public void Validate(StoreSchema schema)
    {
        if (string.IsNullOrEmpty(Id)) throw new ArgumentException("a video record needs a non-empty id");
        if (Frames < 0) throw new ArgumentException($"video '{Id}': frames must be ≥ 0, got {Frames}");
        if (Coarse.Length != schema.CoarseDimensions)
            throw new ArgumentException($"video '{Id}': coarse embedding has {Coarse.Length} dims, the store expects {schema.CoarseDimensions}");
        if (schema.HasCoarseCodes && !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(Coarse.Span)))
            throw new ArgumentException($"video '{Id}': the coarse embedding holds NaN or infinity, which int8 codes cannot represent");
        long fine = (long)Frames * schema.FineElementsPerFrame;
        int floats = schema.FineKind == FineFeatureKind.Float ? (int)fine : 0;
        int codes = schema.FineKind == FineFeatureKind.Binary ? (int)fine : 0;
        if (FineFloats.Length != floats || FineCodes.Length != codes)
            throw new ArgumentException($"video '{Id}': fine features hold {FineFloats.Length} floats and {FineCodes.Length} codes, the store expects {floats} floats and {codes} codes for {Frames} frames");
    }
}
