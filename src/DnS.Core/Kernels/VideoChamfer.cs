using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        if (rows == 0 || cols == 0)
        {
            return float.NaN;
        }

        return path switch
        {
            SimdPath.Vector512 => RowDirection<Vector512<float>, Lanes512>(s, rows, cols),
            SimdPath.Vector256 => RowDirection<Vector256<float>, Lanes256>(s, rows, cols),
            SimdPath.Vector128 => RowDirection<Vector128<float>, Lanes128>(s, rows, cols),
            _ => VideoChamferScalar.Similarity(s, rows, cols),
        };
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

        return path switch
        {
            SimdPath.Vector512 => 0.5f * (RowDirection<Vector512<float>, Lanes512>(s, rows, cols) + ColumnDirection<Vector512<float>, Lanes512>(s, rows, cols)),
            SimdPath.Vector256 => 0.5f * (RowDirection<Vector256<float>, Lanes256>(s, rows, cols) + ColumnDirection<Vector256<float>, Lanes256>(s, rows, cols)),
            SimdPath.Vector128 => 0.5f * (RowDirection<Vector128<float>, Lanes128>(s, rows, cols) + ColumnDirection<Vector128<float>, Lanes128>(s, rows, cols)),
            _ => 0.5f * (VideoChamferScalar.Similarity(s, rows, cols) + VideoChamferScalar.ColumnSimilarity(s, rows, cols)),
        };
    }

    /// <summary>Vector max along each row (NaN-propagating, so order-independent and bit-identical to the scalar max),
    /// then row maxima summed in row order like the reference.</summary>
    private static float RowDirection<TVector, TLanes>(ReadOnlySpan<float> s, int rows, int cols)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int body = cols - (cols % TLanes.Count);
        Span<float> lanes = stackalloc float[TLanes.Count];
        float sum = 0f;
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(s), i * cols);
            float best = float.NegativeInfinity;
            if (body > 0)
            {
                TVector max = TLanes.Load(ref row);
                for (int j = TLanes.Count; j < body; j += TLanes.Count)
                {
                    max = TLanes.Max(max, TLanes.Load(ref Unsafe.Add(ref row, j)));
                }

                TLanes.Store(max, ref MemoryMarshal.GetReference(lanes));
                foreach (float lane in lanes)
                {
                    best = MathF.Max(best, lane);
                }
            }

            for (int j = body; j < cols; j++)
            {
                best = MathF.Max(best, Unsafe.Add(ref row, j));
            }

            sum += best;
        }

        return sum / rows;
    }

    /// <summary>Column maxima as a running lane-wise max over rows (rows are contiguous, columns are lanes).</summary>
    private static float ColumnDirection<TVector, TLanes>(ReadOnlySpan<float> s, int rows, int cols)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        const int StackColumns = 1024;
        float[]? rented = cols > StackColumns ? ArrayPool<float>.Shared.Rent(cols) : null;
        Span<float> best = rented is null ? stackalloc float[StackColumns] : rented;
        best = best[..cols];
        s[..cols].CopyTo(best);
        int body = cols - (cols % TLanes.Count);
        ref float max = ref MemoryMarshal.GetReference(best);
        for (int i = 1; i < rows; i++)
        {
            ReadOnlySpan<float> row = s.Slice(i * cols, cols);
            ref float source = ref MemoryMarshal.GetReference(row);
            for (int j = 0; j < body; j += TLanes.Count)
            {
                ref float m = ref Unsafe.Add(ref max, j);
                TLanes.Store(TLanes.Max(TLanes.Load(ref m), TLanes.Load(ref Unsafe.Add(ref source, j))), ref m);
            }

            for (int j = body; j < cols; j++)
            {
                best[j] = MathF.Max(best[j], row[j]);
            }
        }

        float sum = 0f;
        foreach (float value in best)
        {
            sum += value;
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return sum / cols;
    }

    private static void Validate(ReadOnlySpan<float> s, int rows, int cols, SimdPath path)
    {
        KernelGuard.Path(path);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        KernelGuard.Exact(s.Length, (long)rows * cols, nameof(s), TensorShape.Of(rows, cols));
    }
}
