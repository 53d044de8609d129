using System.Text.Json.Serialization;
using DnS.Core.Kernels;

namespace DnS.Core.Storage;

/// <summary>The fixed layout of every record in a store; set when the store is created (an index made before region
/// means can add them: <see cref="FileVideoStore.AddRegionMeansAsync"/>).</summary>
/// <param name="CoarseDimensions">Length of the coarse embedding (0 for none).</param>
/// <param name="FineKind">Float features, packed bits, or none.</param>
/// <param name="Regions">R, regions per frame of the fine features.</param>
/// <param name="FineDimensions">D, floats per region (<see cref="FineFeatureKind.Float"/>) or bits per region code (<see cref="FineFeatureKind.Binary"/>).</param>
public sealed record StoreSchema(int CoarseDimensions, FineFeatureKind FineKind, int Regions, int FineDimensions)
{
    /// <summary>How the coarse embeddings are kept (default <see cref="CoarseEncoding.Float"/>; the int8 encodings need an
    /// index of format version 4). Not written to the manifest when it is the default, so float indexes keep their format.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public CoarseEncoding CoarseEncoding { get; init; }

    /// <summary>Whether every record's R region means over its frames are kept as int8 codes (one scale per region), for
    /// <see cref="Retrieval.SelectorPolicy.RegionPicks"/>; needs fine features and an index of format version 5. Not written
    /// to the manifest when false, so indexes without them keep their format.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool RegionMeans { get; init; }

    /// <summary>Bytes one video's region means take: R int8 codes of D values and R float scales.</summary>
    /// <remarks>Not serialized: the manifest's checksum covers the schema as earlier versions wrote it.</remarks>
    [JsonIgnore]
    public int RegionMeanBytesPerVideo => RegionMeans ? Regions * (FineDimensions + sizeof(float)) : 0;

    /// <summary>Whether the exact float coarse vectors are stored.</summary>
    internal bool HasCoarseFloats => CoarseDimensions > 0 && CoarseEncoding != CoarseEncoding.Int8;

    /// <summary>Whether int8 coarse codes and scales are stored.</summary>
    internal bool HasCoarseCodes => CoarseDimensions > 0 && CoarseEncoding != CoarseEncoding.Float;

    /// <summary>Bytes one video's coarse embedding takes: floats and/or int8 codes with their float scale.</summary>
    public int CoarseBytesPerVideo =>
        (HasCoarseFloats ? CoarseDimensions * sizeof(float) : 0) + (HasCoarseCodes ? CoarseDimensions + sizeof(float) : 0);

    /// <summary>Fine-feature elements per frame: R·D floats, or R·⌈D/64⌉ ulongs.</summary>
    public int FineElementsPerFrame => FineKind switch
    {
        FineFeatureKind.Float => Regions * FineDimensions,
        FineFeatureKind.Binary => Regions * ((FineDimensions + 63) / 64),
        _ => 0,
    };

    /// <summary>Bytes of fine features per frame.</summary>
    public int FineBytesPerFrame => FineKind == FineFeatureKind.Binary ? FineElementsPerFrame * sizeof(ulong) : FineElementsPerFrame * sizeof(float);

    /// <summary>Throws <see cref="ArgumentException"/> unless the schema is usable.</summary>
    public void Validate()
    {
        if (CoarseDimensions < 0) throw new ArgumentException($"coarse dimensions must be ≥ 0, got {CoarseDimensions}");
        if (FineKind != FineFeatureKind.None && (Regions <= 0 || FineDimensions <= 0))
            throw new ArgumentException($"fine features need regions > 0 and dimensions > 0, got {Regions}×{FineDimensions}");
        if (CoarseDimensions == 0 && FineKind == FineFeatureKind.None)
            throw new ArgumentException("a store needs coarse or fine features");
        if (!Enum.IsDefined(CoarseEncoding)) throw new ArgumentException($"unknown coarse encoding {(int)CoarseEncoding}");
        if (CoarseEncoding != CoarseEncoding.Float && CoarseDimensions is 0 or > QuantizedDotKernel.MaxDimensions)
            throw new ArgumentException($"int8 coarse codes need 1 to {QuantizedDotKernel.MaxDimensions} coarse dimensions, got {CoarseDimensions}");
        if (RegionMeans && FineKind == FineFeatureKind.None) throw new ArgumentException("region means need fine features");
        if (RegionMeans && (FineDimensions > QuantizedDotKernel.MaxDimensions || (long)Regions * FineDimensions > Array.MaxLength))
            throw new ArgumentException($"region means need R·D ≤ {Array.MaxLength} and D ≤ {QuantizedDotKernel.MaxDimensions}, got {Regions}×{FineDimensions}");
    }
}
