using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>General matrix product against a transposed right operand, the shape of a Linear layer <c>x·Wᵀ</c>
/// and of an im2col convolution.</summary>
public static class Gemm
{
    /// <summary>Computes <c>C[i,j] = Σ_k A[i,k]·B[j,k]</c> with the best available SIMD path.</summary>
    /// <param name="a">A, m×k row-major.</param>
    /// <param name="b">B, n×k row-major (so the product uses Bᵀ).</param>
    /// <param name="c">C, at least m×n row-major; overwritten.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">The shared inner dimension.</param>
    public static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k) =>
        MultiplyTransposed(a, b, c, m, n, k, SimdCapabilities.Best);

    /// <summary>Computes <c>C[i,j] = Σ_k A[i,k]·B[j,k]</c> with a forced SIMD path.</summary>
    /// <param name="a">A, m×k row-major.</param>
    /// <param name="b">B, n×k row-major (so the product uses Bᵀ).</param>
    /// <param name="c">C, at least m×n row-major; overwritten.</param>
    /// <param name="m">Rows of A and C (≥ 0).</param>
    /// <param name="n">Rows of B, columns of C (≥ 0).</param>
    /// <param name="k">The shared inner dimension (≥ 0; k = 0 gives C = 0).</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    public static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, SimdPath path)
    {
        KernelGuard.Path(path);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        KernelGuard.Exact(a.Length, (long)m * k, nameof(a), $"{m}×{k}");
        KernelGuard.Exact(b.Length, (long)n * k, nameof(b), $"{n}×{k}");
        KernelGuard.Destination(c.Length, (long)m * n, nameof(c), $"{m}×{n}");
        GemmScalar.MultiplyTransposed(a, b, c, m, n, k);
    }
}
