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
    /// <param name="query">The D quantized query values.</param>
    /// <param name="queryScale">The query's scale (float value = code · scale).</param>
    /// <param name="codes">N×D row-major quantized rows; its length must be a multiple of D.</param>
    /// <param name="scales">One scale per row; at least N.</param>
    /// <param name="scores">Destination of at least N elements; only the first N are written.</param>
    public static void OneVsMany(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores) =>
        OneVsMany(query, queryScale, codes, scales, scores, SimdCapabilities.Best);

    /// <summary>Computes <c>scores[n] = dot(query, codes row n) · scales[n] · queryScale</c> with a forced SIMD path.</summary>
    /// <param name="query">The D quantized query values (1 ≤ D ≤ <see cref="MaxDimensions"/>).</param>
    /// <param name="queryScale">The query's scale (float value = code · scale).</param>
    /// <param name="codes">N×D row-major quantized rows; its length must be a multiple of D.</param>
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

    /// <summary>The query is widened to int16 once (2D bytes, stays in L1). Rows are read one at a time as a single
    /// sequential stream with four independent accumulators: measured on this host (Zen 4), four rows per pass — the
    /// float scan's pattern — ran the 102.8 MB scan in 12.0 ms against 6.4 ms for one stream, as four interleaved
    /// streams of 32-byte steps defeat the hardware prefetcher.</summary>
    private static void Scan<TInts, TLanes>(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores, int rows)
        where TInts : struct
        where TLanes : struct, IInt8Lanes<TInts>
    {
        int dims = query.Length;
        int step = TLanes.Count;
        int unrolled = dims - (dims % (4 * step));
        int body = dims - (dims % step);
        short[] rented = ArrayPool<short>.Shared.Rent(dims);
        for (int k = 0; k < dims; k++)
        {
            rented[k] = query[k];
        }

        ref short q = ref MemoryMarshal.GetArrayDataReference(rented);
        ref sbyte row = ref MemoryMarshal.GetReference(codes);
        for (int n = 0; n < rows; n++)
        {
            TInts s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero;
            int k = 0;
            for (; k < unrolled; k += 4 * step)
            {
                s0 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row, k), ref Unsafe.Add(ref q, k), s0);
                s1 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row, k + step), ref Unsafe.Add(ref q, k + step), s1);
                s2 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row, k + (2 * step)), ref Unsafe.Add(ref q, k + (2 * step)), s2);
                s3 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row, k + (3 * step)), ref Unsafe.Add(ref q, k + (3 * step)), s3);
            }

            for (; k < body; k += step)
            {
                s0 = TLanes.MultiplyAdd(ref Unsafe.Add(ref row, k), ref Unsafe.Add(ref q, k), s0);
            }

            int dot = TLanes.Sum(s0) + TLanes.Sum(s1) + TLanes.Sum(s2) + TLanes.Sum(s3);
            for (; k < dims; k++)
            {
                dot += Unsafe.Add(ref row, k) * Unsafe.Add(ref q, k);
            }

            scores[n] = Score(dot, scales[n], queryScale);
            row = ref Unsafe.Add(ref row, dims);
        }

        ArrayPool<short>.Shared.Return(rented);
    }
}
