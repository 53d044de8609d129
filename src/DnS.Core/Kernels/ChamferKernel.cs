using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Region-level chamfer similarity between the frames of two videos (DnS eq. 1):
/// <c>S[i,j] = mean_r max_r' &lt;Q[i,r], X[j,r']&gt;</c>.</summary>
/// <remarks>
/// <para>Single-threaded and allocation-free apart from a pooled packing buffer; safe to call concurrently, so
/// parallelism is left to callers over pairs of videos (one call per pair per core).</para>
/// <para>NaN: the region max propagates NaN, so <c>S[i,j]</c> is NaN whenever query frame i or target frame j holds a
/// NaN (or an infinity that yields NaN). Empty: Tq = 0 or Tt = 0 gives an empty similarity matrix.</para>
/// </remarks>
public static class ChamferKernel
{
    /// <summary>Computes the Tq×Tt frame-to-frame similarity with the best available SIMD path.</summary>
    /// <param name="query">Tq×R×D query region features, row-major.</param>
    /// <param name="target">Tt×R×D target region features, row-major.</param>
    /// <param name="regions">R, regions per frame (≥ 1).</param>
    /// <param name="dims">D, feature dimensions (≥ 1).</param>
    /// <param name="similarity">Destination of at least Tq×Tt elements, row-major.</param>
    public static void FrameToFrame(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity) =>
        FrameToFrame(query, target, regions, dims, similarity, SimdCapabilities.Best);

    /// <summary>Computes the Tq×Tt frame-to-frame similarity with a forced SIMD path.</summary>
    /// <param name="query">Tq×R×D query region features, row-major.</param>
    /// <param name="target">Tt×R×D target region features, row-major.</param>
    /// <param name="regions">R, regions per frame (≥ 1).</param>
    /// <param name="dims">D, feature dimensions (≥ 1).</param>
    /// <param name="similarity">Destination of at least Tq×Tt elements, row-major.</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    public static void FrameToFrame(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Positive(regions, nameof(regions));
        KernelGuard.Positive(dims, nameof(dims));
        int frame = checked(regions * dims);
        string shape = $"T×{regions}×{dims}";
        int queryFrames = KernelGuard.Rows(query.Length, frame, nameof(query), shape);
        int targetFrames = KernelGuard.Rows(target.Length, frame, nameof(target), shape);
        KernelGuard.Destination(similarity.Length, (long)queryFrames * targetFrames, nameof(similarity), $"{queryFrames}×{targetFrames}");
        if (queryFrames == 0 || targetFrames == 0)
        {
            return;
        }

        switch (path)
        {
            case SimdPath.Vector512:
                Blocked<Vector512<float>, Lanes512>(query, target, regions, dims, similarity, queryFrames, targetFrames);
                break;
            case SimdPath.Vector256:
                Blocked<Vector256<float>, Lanes256>(query, target, regions, dims, similarity, queryFrames, targetFrames);
                break;
            case SimdPath.Vector128:
                Blocked<Vector128<float>, Lanes128>(query, target, regions, dims, similarity, queryFrames, targetFrames);
                break;
            default:
                ChamferScalar.FrameToFrame(query, target, regions, dims, similarity);
                break;
        }
    }

    /// <summary>GEMM-style blocking with the region max and mean fused: target frames go in blocks of L (one vector
    /// lane per frame) and regions in pairs, so a packed panel column block is (region pair) × (L frames) and the max
    /// over target regions is a lane-wise max of tile vectors; the Tq·R × Tt·R product is never stored.</summary>
    private static void Blocked<TVector, TLanes>(
        ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity, int queryFrames, int targetFrames)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int lanes = TLanes.Count;
        int width = 2 * lanes;
        int pairs = (regions + 1) / 2;
        int frameLength = regions * dims;
        int queryRows = queryFrames * regions;
        int productLength = PanelMicroKernel.ProductLength(queryRows);
        float[] rentedPanel = ArrayPool<float>.Shared.Rent(dims * width);
        TVector[] rentedProduct = ArrayPool<TVector>.Shared.Rent(productLength + queryRows);
        Span<float> panel = rentedPanel.AsSpan(0, dims * width);
        Span<TVector> product = rentedProduct.AsSpan(0, productLength);
        Span<TVector> rowMax = rentedProduct.AsSpan(productLength, queryRows);
        Span<int> rowStarts = stackalloc int[width];
        Span<float> partial = stackalloc float[lanes];
        Span<float> sums = similarity[..(queryFrames * targetFrames)];
        sums.Clear();
        ref float queryStart = ref MemoryMarshal.GetReference(query);
        ref float panelStart = ref MemoryMarshal.GetReference(panel);

        for (int j0 = 0; j0 < targetFrames; j0 += lanes)
        {
            int frames = Math.Min(lanes, targetFrames - j0);
            rowMax.Fill(TLanes.NegativeInfinity);
            for (int p = 0; p < pairs; p++)
            {
                for (int half = 0; half < 2; half++)
                {
                    // An odd region count repeats the last region: a duplicate cannot change a max (NaN included).
                    int region = Math.Min((2 * p) + half, regions - 1);
                    for (int l = 0; l < lanes; l++)
                    {
                        rowStarts[(half * lanes) + l] = l < frames ? ((j0 + l) * frameLength) + (region * dims) : -1;
                    }
                }

                PanelPacker.Pack(target, rowStarts, dims, panel);
                PanelMicroKernel.MultiplyPanel<TVector, TLanes>(ref queryStart, dims, queryRows, ref panelStart, dims, product);
                for (int g = 0; g < queryRows; g++)
                {
                    rowMax[g] = TLanes.Max(rowMax[g], TLanes.Max(product[2 * g], product[(2 * g) + 1]));
                }
            }

            // Rows come in (frame, region) order, so each S[i, j] gathers its region maxima in region order: the
            // same summation order as the scalar reference.
            for (int g = 0; g < queryRows; g++)
            {
                Span<float> destination = sums.Slice(((g / regions) * targetFrames) + j0, frames);
                if (frames == lanes)
                {
                    ref float d = ref MemoryMarshal.GetReference(destination);
                    TLanes.Store(TLanes.Add(TLanes.Load(ref d), rowMax[g]), ref d);
                }
                else
                {
                    TLanes.Store(rowMax[g], ref MemoryMarshal.GetReference(partial));
                    for (int l = 0; l < frames; l++)
                    {
                        destination[l] += partial[l];
                    }
                }
            }
        }

        ArrayPool<float>.Shared.Return(rentedPanel);
        ArrayPool<TVector>.Shared.Return(rentedProduct);
        for (int n = 0; n < sums.Length; n++)
        {
            sums[n] /= regions;
        }
    }
}
