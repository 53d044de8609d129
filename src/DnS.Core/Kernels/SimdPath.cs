namespace DnS.Core.Kernels;

/// <summary>Instruction-set width a kernel runs with. Every kernel picks <see cref="SimdCapabilities.Best"/> unless a path is forced.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar code; always available.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE / AdvSimd).</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}
