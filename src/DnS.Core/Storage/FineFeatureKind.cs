namespace DnS.Core.Storage;

/// <summary>How a store keeps the fine-grained (re-ranking) features of a video.</summary>
public enum FineFeatureKind
{
    /// <summary>No fine features (coarse-only index).</summary>
    None = 0,
    /// <summary>T×R×D floats (attention student, parameter-free region chamfer).</summary>
    Float = 1,
    /// <summary>T×R packed sign codes of D bits, as ulongs (binary student, Hamming chamfer).</summary>
    Binary = 2,
}
