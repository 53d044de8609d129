using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Coarse scan: the dot product of one query against every row of a row-major N×D matrix.</summary>
public static class DotKernel
{
    /// <summary>Computes <c>scores[n] = &lt;query, matrix row n&gt;</c> with the best available SIMD path.</summary>
    /// <param name="query">The D-dimensional query.</param>
    /// <param name="matrix">N×D row-major rows; its length must be a multiple of D.</param>
    /// <param name="scores">Destination of at least N elements; only the first N are written.</param>
    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores) =>
        OneVsMany(query, matrix, scores, SimdCapabilities.Best);

    /// <summary>Computes <c>scores[n] = &lt;query, matrix row n&gt;</c> with a forced SIMD path.</summary>
    /// <param name="query">The D-dimensional query (D ≥ 1).</param>
    /// <param name="matrix">N×D row-major rows; its length must be a multiple of D.</param>
    /// <param name="scores">Destination of at least N elements; only the first N are written.</param>
    /// <param name="path">The instruction-set path; must be supported (<see cref="SimdCapabilities.IsSupported"/>).</param>
    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Positive(query.Length, "query.Length");
        int rows = KernelGuard.Rows(matrix.Length, query.Length, nameof(matrix), $"N×{query.Length}");
        KernelGuard.Destination(scores.Length, rows, nameof(scores), $"{rows}");
        DotScalar.OneVsMany(query, matrix, scores, rows);
    }
}
