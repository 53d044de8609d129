using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Video-level chamfer similarity of a frame-to-frame similarity matrix (DnS eq. 2).</summary>
/// <remarks>NaN anywhere in a row makes that row's max NaN and thus the result NaN. An empty matrix (rows = 0 or
/// cols = 0) has no defined similarity and yields NaN, which <see cref="TopK"/> ranks last.</remarks>
public static class VideoChamfer
{
    /// <summary>Mean over rows of the max over columns, with the best SIMD path.</summary>
    /// <param name="s">rows×cols similarity matrix, row-major (exactly rows×cols elements).</param>
    /// <param name="rows">Number of rows (query frames).</param>
    /// <param name="cols">Number of columns (target frames).</param>
    /// <returns>The chamfer similarity, or NaN when the matrix is empty.</returns>
    public static float Similarity(ReadOnlySpan<float> s, int rows, int cols) => Similarity(s, rows, cols, SimdCapabilities.Best);

    /// <summary>Mean over rows of the max over columns, with a forced SIMD path.</summary>
    /// <param name="s">rows×cols similarity matrix, row-major (exactly rows×cols elements).</param>
    /// <param name="rows">Number of rows (query frames).</param>
    /// <param name="cols">Number of columns (target frames).</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    /// <returns>The chamfer similarity, or NaN when the matrix is empty.</returns>
    public static float Similarity(ReadOnlySpan<float> s, int rows, int cols, SimdPath path)
    {
        Validate(s, rows, cols, path);
        return rows == 0 || cols == 0 ? float.NaN : VideoChamferScalar.Similarity(s, rows, cols);
    }

    /// <summary>Symmetric chamfer ½(row direction + column direction), with the best SIMD path.</summary>
    /// <param name="s">rows×cols similarity matrix, row-major (exactly rows×cols elements).</param>
    /// <param name="rows">Number of rows (query frames).</param>
    /// <param name="cols">Number of columns (target frames).</param>
    /// <returns>The symmetric chamfer similarity, or NaN when the matrix is empty.</returns>
    public static float Symmetric(ReadOnlySpan<float> s, int rows, int cols) => Symmetric(s, rows, cols, SimdCapabilities.Best);

    /// <summary>Symmetric chamfer ½(row direction + column direction), with a forced SIMD path.</summary>
    /// <param name="s">rows×cols similarity matrix, row-major (exactly rows×cols elements).</param>
    /// <param name="rows">Number of rows (query frames).</param>
    /// <param name="cols">Number of columns (target frames).</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    /// <returns>The symmetric chamfer similarity, or NaN when the matrix is empty.</returns>
    public static float Symmetric(ReadOnlySpan<float> s, int rows, int cols, SimdPath path)
    {
        Validate(s, rows, cols, path);
        if (rows == 0 || cols == 0)
        {
            return float.NaN;
        }

        return 0.5f * (VideoChamferScalar.Similarity(s, rows, cols) + VideoChamferScalar.ColumnSimilarity(s, rows, cols));
    }

    private static void Validate(ReadOnlySpan<float> s, int rows, int cols, SimdPath path)
    {
        KernelGuard.Path(path);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        KernelGuard.Exact(s.Length, (long)rows * cols, nameof(s), $"{rows}×{cols}");
    }
}
