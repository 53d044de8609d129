namespace DnS.Core.Networks;

/// <summary>The three fine-grained students of DnS (reference <c>FineGrainedStudent.fg_type</c>).</summary>
public enum FineGrainedVariant
{
    /// <summary>No learned index-time layer: the region vectors are stored as they are (<c>fg_type = 'none'</c>).</summary>
    ParameterFree,

    /// <summary>h-attention weighted region vectors, stored as floats (S^f_A, <c>attention=True</c>).</summary>
    Attention,

    /// <summary>sign(x̂·W) codes, stored as packed bits and compared by Hamming chamfer (S^f_B, <c>binarization=True</c>).</summary>
    Binary,
}
