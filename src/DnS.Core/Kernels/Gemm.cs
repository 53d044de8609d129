using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>General matrix product against a transposed right operand, the shape of a Linear layer <c>x·Wᵀ</c>
/// and of an im2col convolution.</summary>
public static class Gemm
{
    /// <summary>From this many rows of A on, packing B for the micro-kernel pays (measured at k = 512: 8 rows scan at
    /// 41 GFLOP/s vs 31 packed, 16 rows 29 vs 45-51).</summary>
    private const int PackingPaysOffRows = 12;

    /// <summary>Below this many rows of A each A row scans all of B (four B rows per pass share the A loads).</summary>
    private const int ScanRowsOfB = 4;

    /// <summary>The column scan ends every dot with a horizontal sum, which only amortizes over a long depth
    /// (at k = 64 the packed path was 3× faster).</summary>
    private const int ScanMinDepth = 256;

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
        KernelGuard.Exact(a.Length, (long)m * k, nameof(a), TensorShape.Of(m, k));
        KernelGuard.Exact(b.Length, (long)n * k, nameof(b), TensorShape.Of(n, k));
        KernelGuard.Destination(c.Length, (long)m * n, nameof(c), TensorShape.Of(m, n));
        if (m == 0 || n == 0)
        {
            return;
        }

        switch (path)
        {
            case SimdPath.Vector512:
                Blocked<Vector512<float>, Lanes512>(a, b, c, m, n, k);
                break;
            case SimdPath.Vector256:
                Blocked<Vector256<float>, Lanes256>(a, b, c, m, n, k);
                break;
            case SimdPath.Vector128:
                Blocked<Vector128<float>, Lanes128>(a, b, c, m, n, k);
                break;
            default:
                GemmScalar.MultiplyTransposed(a, b, c, m, n, k);
                break;
        }
    }

    /// <summary>Column panels of 2L rows of B are packed k-major once and swept by every 6-row block of A with the
    /// shared <see cref="PanelMicroKernel"/>. A few rows of A go through the dot scan instead: packing touches every
    /// element of B once, which only pays when enough A rows reuse it.</summary>
    private static void Blocked<TVector, TLanes>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        if (k > 0 && (m < ScanRowsOfB || (m < PackingPaysOffRows && k >= ScanMinDepth)))
        {
            ScanColumns<TVector, TLanes>(a, b, c, m, n, k);
            return;
        }

        int lanes = TLanes.Count;
        int width = 2 * lanes;
        int productLength = PanelMicroKernel.ProductLength(m);
        float[] rentedPanel = ArrayPool<float>.Shared.Rent(Math.Max(1, k * width));
        TVector[] rentedProduct = ArrayPool<TVector>.Shared.Rent(productLength);
        Span<float> panel = rentedPanel.AsSpan(0, k * width);
        Span<TVector> product = rentedProduct.AsSpan(0, productLength);
        Span<int> rowStarts = stackalloc int[width];
        ref float aStart = ref MemoryMarshal.GetReference(a);
        ref float panelStart = ref MemoryMarshal.GetReference(panel);

        for (int j0 = 0; j0 < n; j0 += width)
        {
            int cols = Math.Min(width, n - j0);
            for (int col = 0; col < width; col++)
            {
                rowStarts[col] = col < cols ? (j0 + col) * k : -1;
            }

            PanelPacker.Pack(b, rowStarts, k, panel);
            PanelMicroKernel.MultiplyPanel<TVector, TLanes>(ref aStart, k, m, ref panelStart, k, product);
            for (int i = 0; i < m; i++)
            {
                MemoryMarshal.Cast<TVector, float>(product.Slice(2 * i, 2))[..cols].CopyTo(c.Slice((i * n) + j0, cols));
            }
        }

        ArrayPool<float>.Shared.Return(rentedPanel);
        ArrayPool<TVector>.Shared.Return(rentedProduct);
    }

    /// <summary>Small m: the dot scan without packing. From <see cref="ScanRowsOfB"/> rows on, each B row is the scan's
    /// query against all of A (kept in L1), so B is read once; fewer A rows each scan B directly.</summary>
    private static void ScanColumns<TVector, TLanes>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        if (m < ScanRowsOfB)
        {
            for (int i = 0; i < m; i++)
            {
                DotKernel.Scan<TVector, TLanes>(a.Slice(i * k, k), b, c.Slice(i * n, n), n);
            }

            return;
        }

        Span<float> column = stackalloc float[PackingPaysOffRows];
        for (int j = 0; j < n; j++)
        {
            DotKernel.Scan<TVector, TLanes>(b.Slice(j * k, k), a, column, m);
            for (int i = 0; i < m; i++)
            {
                c[(i * n) + j] = column[i];
            }
        }
    }
}
