using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Coarse scan over int8 vectors with one float scale per vector: <c>scores[n] ≈ &lt;query, row n&gt;</c> from a
/// quarter of the float matrix's bytes (see <see cref="Int8Quantization"/>).</summary>
/// <remarks>The int8 dot is an exact int32 sum on every path (|code| ≤ 128, at most <see cref="MaxDimensions"/> terms),
/// and every path scales it with the same two float multiplications, so all paths return bit-identical scores.</remarks>
public static class QuantizedDotKernel
{
    /// <summary>The longest vectors whose int8 dot cannot overflow int32: 2³¹ / 128².</summary>
    public const int MaxDimensions = int.MaxValue / (128 * 128);

    /// <summary>Computes <c>scores[n] = dot(query, codes row n) · scales[n] · queryScale</c> with the best SIMD path.</summary>
    /// <param name="query">The D quantised query values.</param>
    /// <param name="queryScale">The query's scale (float value = code · scale).</param>
    /// <param name="codes">N×D row-major quantised rows; its length must be a multiple of D.</param>
    /// <param name="scales">One scale per row; at least N.</param>
    /// <param name="scores">Destination of at least N elements; only the first N are written.</param>
    public static void OneVsMany(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores) =>
        OneVsMany(query, queryScale, codes, scales, scores, SimdCapabilities.Best);

    /// <summary>Computes <c>scores[n] = dot(query, codes row n) · scales[n] · queryScale</c> with a forced SIMD path.</summary>
    /// <param name="query">The D quantised query values (1 ≤ D ≤ <see cref="MaxDimensions"/>).</param>
    /// <param name="queryScale">The query's scale (float value = code · scale).</param>
    /// <param name="codes">N×D row-major quantised rows; its length must be a multiple of D.</param>
    /// <param name="scales">One scale per row; at least N.</param>
    /// <param name="scores">Destination of at least N elements; only the first N are written.</param>
    /// <param name="path">The instruction-set path; must be supported (<see cref="SimdCapabilities.IsSupported"/>).</param>
    public static void OneVsMany(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Positive(query.Length, "query.Length");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Length, MaxDimensions, "query.Length");
        int rows = KernelGuard.Rows(codes.Length, query.Length, nameof(codes), new("N", query.Length));
        KernelGuard.Destination(scales.Length, rows, nameof(scales), new(null, rows));
        KernelGuard.Destination(scores.Length, rows, nameof(scores), new(null, rows));
        switch (path)
        {
            case SimdPath.Vector512:
                Scan<Vector512<int>, Int8Lanes512>(query, queryScale, codes, scales, scores, rows);
                break;
            case SimdPath.Vector256:
                Scan<Vector256<int>, Int8Lanes256>(query, queryScale, codes, scales, scores, rows);
                break;
            case SimdPath.Vector128:
                Scan<Vector128<int>, Int8Lanes128>(query, queryScale, codes, scales, scores, rows);
                break;
            default:
                QuantizedDotScalar.OneVsMany(query, queryScale, codes, scales, scores, rows);
                break;
        }
    }

    /// <summary>The one scaling every path applies to the exact integer dot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Score(int dot, float rowScale, float queryScale) => dot * rowScale * queryScale;

    /// <summary>The query is widened to int16 once (2D bytes, stays in L1); four rows per pass share its loads and give
    /// four independent accumulators, like the float <see cref="DotKernel"/>. Bound by reading the codes once.</summary>
    private static void Scan<TInts, TLanes>(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores, int rows)
        where TInts : struct
        where TLanes : struct, IInt8Lanes<TInts>
    {
        int dims = query.Length;
        int body = dims - (dims % TLanes.Count);
        short[] rented = ArrayPool<short>.Shared.Rent(dims);
        for (int k = 0; k < dims; k++)
        {
            rented[k] = query[k];
        }

        ref short q = ref MemoryMarshal.GetArrayDataReference(rented);
        ref sbyte row0 = ref MemoryMarshal.GetReference(codes);
        int n = 0;
        for (; n + 4 <= rows; n += 4)
        {
            ref sbyte row1 = ref Unsafe.Add(ref row0, dims);
            ref sbyte row2 = ref Unsafe.Add(ref row1, dims);
            ref sbyte row3 = ref Unsafe.Add(ref row2, dims);
            TInts s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero;
            for (int k = 0; k < body; k += TLanes.Count)
            {
                ref short x = ref Unsafe.Add(ref q, k);
                s0 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row0, k), ref x, s0);
                s1 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row1, k), ref x, s1);
                s2 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row2, k), ref x, s2);
                s3 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row3, k), ref x, s3);
            }

            int t0 = TLanes.Sum(s0), t1 = TLanes.Sum(s1), t2 = TLanes.Sum(s2), t3 = TLanes.Sum(s3);
            for (int k = body; k < dims; k++)
            {
                int x = Unsafe.Add(ref q, k);
                t0 += Unsafe.Add(ref row0, k) * x;
                t1 += Unsafe.Add(ref row1, k) * x;
                t2 += Unsafe.Add(ref row2, k) * x;
                t3 += Unsafe.Add(ref row3, k) * x;
            }

            scores[n] = Score(t0, scales[n], queryScale);
            scores[n + 1] = Score(t1, scales[n + 1], queryScale);
            scores[n + 2] = Score(t2, scales[n + 2], queryScale);
            scores[n + 3] = Score(t3, scales[n + 3], queryScale);
            row0 = ref Unsafe.Add(ref row3, dims);
        }

        for (; n < rows; n++)
        {
            TInts s0 = TLanes.Zero;
            for (int k = 0; k < body; k += TLanes.Count)
            {
                s0 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row0, k), ref Unsafe.Add(ref q, k), s0);
            }

            int t0 = TLanes.Sum(s0);
            for (int k = body; k < dims; k++)
            {
                t0 += Unsafe.Add(ref row0, k) * Unsafe.Add(ref q, k);
            }

            scores[n] = Score(t0, scales[n], queryScale);
            row0 = ref Unsafe.Add(ref row0, dims);
        }

        ArrayPool<short>.Shared.Return(rented);
    }
}
