using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Batched coarse scan: the dot products of Q queries against every row of an N×D matrix, reading the
/// matrix once for all queries, with results bit-identical to <see cref="DotKernel.OneVsMany(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, SimdPath)"/>
/// on the same path.</summary>
/// <remarks>A blocked product of Q×D by (N×D)ᵀ, but not through <see cref="Gemm"/>: its packed micro-kernel sums each
/// dot sequentially along k in one lane, while the single-query scan sums lane-strided partial dots and adds the lanes
/// at the end. Keeping the scan's exact operation order per (query, row) pair makes a batched search rank exactly
/// like one query at a time (no ulp differences to reason about).</remarks>
public static class BatchDotKernel
{
    /// <summary>Matrix rows per tile: 4 × D floats stay in L1 while every query sweeps them.</summary>
    private const int RowsPerTile = 4;

    /// <summary>Queries per tile: 4 rows × 3 queries = 12 accumulators, 4 row vectors and 1 query vector fit AVX-512's
    /// 32 registers (AVX2 spills one row vector to an L1 reload).</summary>
    private const int QueriesPerTile = 3;

    /// <summary>Computes <c>scores[q·scoreStride + n] = &lt;query q, matrix row n&gt;</c> with the best SIMD path.</summary>
    /// <param name="queries">Q×D row-major queries.</param>
    /// <param name="matrix">N×D row-major rows.</param>
    /// <param name="dimensions">D (≥ 1); both lengths must be multiples of it.</param>
    /// <param name="scores">Q rows of <paramref name="scoreStride"/> scores; only the first N of each row are written.</param>
    /// <param name="scoreStride">Distance between the score rows of consecutive queries (≥ N).</param>
    public static void ManyVsMany(ReadOnlySpan<float> queries, ReadOnlySpan<float> matrix, int dimensions, Span<float> scores, int scoreStride) =>
        ManyVsMany(queries, matrix, dimensions, scores, scoreStride, SimdCapabilities.Best);

    /// <summary>Computes <c>scores[q·scoreStride + n] = &lt;query q, matrix row n&gt;</c> with a forced SIMD path.</summary>
    /// <param name="queries">Q×D row-major queries.</param>
    /// <param name="matrix">N×D row-major rows.</param>
    /// <param name="dimensions">D (≥ 1); both lengths must be multiples of it.</param>
    /// <param name="scores">Q rows of <paramref name="scoreStride"/> scores; only the first N of each row are written.</param>
    /// <param name="scoreStride">Distance between the score rows of consecutive queries (≥ N).</param>
    /// <param name="path">The instruction-set path; must be supported (<see cref="SimdCapabilities.IsSupported"/>).</param>
    public static void ManyVsMany(ReadOnlySpan<float> queries, ReadOnlySpan<float> matrix, int dimensions, Span<float> scores, int scoreStride, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Positive(dimensions, nameof(dimensions));
        int queryCount = KernelGuard.Rows(queries.Length, dimensions, nameof(queries), new("Q", dimensions));
        int rows = KernelGuard.Rows(matrix.Length, dimensions, nameof(matrix), new("N", dimensions));
        ArgumentOutOfRangeException.ThrowIfLessThan(scoreStride, rows);
        if (queryCount == 0 || rows == 0)
        {
            return;
        }

        KernelGuard.Destination(scores.Length, ((long)(queryCount - 1) * scoreStride) + rows, nameof(scores), TensorShape.Of(queryCount, scoreStride));
        switch (path)
        {
            case SimdPath.Vector512:
                Blocked<Vector512<float>, Lanes512>(queries, matrix, dimensions, scores, scoreStride, queryCount, rows);
                break;
            case SimdPath.Vector256:
                Blocked<Vector256<float>, Lanes256>(queries, matrix, dimensions, scores, scoreStride, queryCount, rows);
                break;
            case SimdPath.Vector128:
                Blocked<Vector128<float>, Lanes128>(queries, matrix, dimensions, scores, scoreStride, queryCount, rows);
                break;
            default:
                for (int q = 0; q < queryCount; q++)
                {
                    DotScalar.OneVsMany(queries.Slice(q * dimensions, dimensions), matrix, scores.Slice(q * scoreStride, rows), rows);
                }

                break;
        }
    }

    /// <summary>Tiles of <see cref="RowsPerTile"/> rows × <see cref="QueriesPerTile"/> queries; each (row, query) pair
    /// accumulates lane-wise with <c>MultiplyAdd(row, query, sum)</c>, adds its lanes with <c>Sum</c> and then the scalar
    /// tail — the operations of <see cref="DotKernel"/>'s scan in the same order. Ragged tiles repeat their last row or
    /// query (computed, not stored) so the loop has no branches.</summary>
    private static void Blocked<TVector, TLanes>(ReadOnlySpan<float> queries, ReadOnlySpan<float> matrix, int dims, Span<float> scores, int scoreStride, int queryCount, int rows)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        if (queryCount == 1)
        {
            // A tile would compute the lone query three times; the single-query scan is the same operations once.
            DotKernel.Scan<TVector, TLanes>(queries, matrix, scores, rows);
            return;
        }

        int body = dims - (dims % TLanes.Count);
        ref float matrixStart = ref MemoryMarshal.GetReference(matrix);
        ref float queryStart = ref MemoryMarshal.GetReference(queries);
        Span<TVector> tile = stackalloc TVector[RowsPerTile * QueriesPerTile];
        for (int n = 0; n < rows; n += RowsPerTile)
        {
            int tileRows = Math.Min(RowsPerTile, rows - n);
            ref float r0 = ref Unsafe.Add(ref matrixStart, n * dims);
            ref float r1 = ref Unsafe.Add(ref r0, dims * Math.Min(1, tileRows - 1));
            ref float r2 = ref Unsafe.Add(ref r0, dims * Math.Min(2, tileRows - 1));
            ref float r3 = ref Unsafe.Add(ref r0, dims * Math.Min(3, tileRows - 1));
            for (int j = 0; j < queryCount; j += QueriesPerTile)
            {
                int tileQueries = Math.Min(QueriesPerTile, queryCount - j);
                ref float x0 = ref Unsafe.Add(ref queryStart, j * dims);
                ref float x1 = ref Unsafe.Add(ref x0, dims * Math.Min(1, tileQueries - 1));
                ref float x2 = ref Unsafe.Add(ref x0, dims * Math.Min(2, tileQueries - 1));
                TVector s00 = TLanes.Zero, s01 = TLanes.Zero, s02 = TLanes.Zero;
                TVector s10 = TLanes.Zero, s11 = TLanes.Zero, s12 = TLanes.Zero;
                TVector s20 = TLanes.Zero, s21 = TLanes.Zero, s22 = TLanes.Zero;
                TVector s30 = TLanes.Zero, s31 = TLanes.Zero, s32 = TLanes.Zero;
                for (int k = 0; k < body; k += TLanes.Count)
                {
                    TVector a0 = TLanes.Load(ref Unsafe.Add(ref r0, k));
                    TVector a1 = TLanes.Load(ref Unsafe.Add(ref r1, k));
                    TVector a2 = TLanes.Load(ref Unsafe.Add(ref r2, k));
                    TVector a3 = TLanes.Load(ref Unsafe.Add(ref r3, k));
                    TVector x = TLanes.Load(ref Unsafe.Add(ref x0, k));
                    s00 = TLanes.MultiplyAdd(a0, x, s00);
                    s10 = TLanes.MultiplyAdd(a1, x, s10);
                    s20 = TLanes.MultiplyAdd(a2, x, s20);
                    s30 = TLanes.MultiplyAdd(a3, x, s30);
                    x = TLanes.Load(ref Unsafe.Add(ref x1, k));
                    s01 = TLanes.MultiplyAdd(a0, x, s01);
                    s11 = TLanes.MultiplyAdd(a1, x, s11);
                    s21 = TLanes.MultiplyAdd(a2, x, s21);
                    s31 = TLanes.MultiplyAdd(a3, x, s31);
                    x = TLanes.Load(ref Unsafe.Add(ref x2, k));
                    s02 = TLanes.MultiplyAdd(a0, x, s02);
                    s12 = TLanes.MultiplyAdd(a1, x, s12);
                    s22 = TLanes.MultiplyAdd(a2, x, s22);
                    s32 = TLanes.MultiplyAdd(a3, x, s32);
                }

                tile[0] = s00;
                tile[1] = s01;
                tile[2] = s02;
                tile[3] = s10;
                tile[4] = s11;
                tile[5] = s12;
                tile[6] = s20;
                tile[7] = s21;
                tile[8] = s22;
                tile[9] = s30;
                tile[10] = s31;
                tile[11] = s32;
                for (int i = 0; i < tileRows; i++)
                {
                    ref float row = ref Unsafe.Add(ref r0, i * dims);
                    for (int q = 0; q < tileQueries; q++)
                    {
                        ref float query = ref Unsafe.Add(ref x0, q * dims);
                        float sum = TLanes.Sum(tile[(i * QueriesPerTile) + q]);
                        for (int k = body; k < dims; k++)
                        {
                            sum += Unsafe.Add(ref row, k) * Unsafe.Add(ref query, k);
                        }

                        scores[((j + q) * scoreStride) + n + i] = sum;
                    }
                }
            }
        }
    }
}
