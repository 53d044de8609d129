using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        int rows = KernelGuard.Rows(matrix.Length, query.Length, nameof(matrix), new("N", query.Length));
        KernelGuard.Destination(scores.Length, rows, nameof(scores), new(null, rows));
        switch (path)
        {
            case SimdPath.Vector512:
                Scan<Vector512<float>, Lanes512>(query, matrix, scores, rows);
                break;
            case SimdPath.Vector256:
                Scan<Vector256<float>, Lanes256>(query, matrix, scores, rows);
                break;
            case SimdPath.Vector128:
                Scan<Vector128<float>, Lanes128>(query, matrix, scores, rows);
                break;
            default:
                DotScalar.OneVsMany(query, matrix, scores, rows);
                break;
        }
    }

    /// <summary>Four rows per pass share each query vector load and give four independent FMA chains; the scan is
    /// bound by reading the matrix once, so nothing more elaborate pays.</summary>
    internal static void Scan<TVector, TLanes>(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores, int rows)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int dims = query.Length;
        int body = dims - (dims % TLanes.Count);
        ref float q = ref MemoryMarshal.GetReference(query);
        ref float row0 = ref MemoryMarshal.GetReference(matrix);
        int n = 0;
        for (; n + 4 <= rows; n += 4)
        {
            ref float row1 = ref Unsafe.Add(ref row0, dims);
            ref float row2 = ref Unsafe.Add(ref row1, dims);
            ref float row3 = ref Unsafe.Add(ref row2, dims);
            TVector s0 = TLanes.Zero, s1 = TLanes.Zero, s2 = TLanes.Zero, s3 = TLanes.Zero;
            for (int k = 0; k < body; k += TLanes.Count)
            {
                TVector x = TLanes.Load(ref Unsafe.Add(ref q, k));
                s0 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref row0, k)), x, s0);
                s1 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref row1, k)), x, s1);
                s2 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref row2, k)), x, s2);
                s3 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref row3, k)), x, s3);
            }

            float t0 = TLanes.Sum(s0), t1 = TLanes.Sum(s1), t2 = TLanes.Sum(s2), t3 = TLanes.Sum(s3);
            for (int k = body; k < dims; k++)
            {
                float x = Unsafe.Add(ref q, k);
                t0 += Unsafe.Add(ref row0, k) * x;
                t1 += Unsafe.Add(ref row1, k) * x;
                t2 += Unsafe.Add(ref row2, k) * x;
                t3 += Unsafe.Add(ref row3, k) * x;
            }

            scores[n] = t0;
            scores[n + 1] = t1;
            scores[n + 2] = t2;
            scores[n + 3] = t3;
            row0 = ref Unsafe.Add(ref row3, dims);
        }

        for (; n < rows; n++)
        {
            TVector s0 = TLanes.Zero;
            for (int k = 0; k < body; k += TLanes.Count)
            {
                s0 = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref row0, k)), TLanes.Load(ref Unsafe.Add(ref q, k)), s0);
            }

            float t0 = TLanes.Sum(s0);
            for (int k = body; k < dims; k++)
            {
                t0 += Unsafe.Add(ref row0, k) * Unsafe.Add(ref q, k);
            }

            scores[n] = t0;
            row0 = ref Unsafe.Add(ref row0, dims);
        }
    }
}
