using System.Buffers;
using System.Numerics;
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
        int queryFrames = KernelGuard.Rows(query.Length, frame, nameof(query), new("T", regions, dims));
        int targetFrames = KernelGuard.Rows(target.Length, frame, nameof(target), new("T", regions, dims));
        KernelGuard.Destination(similarity.Length, (long)queryFrames * targetFrames, nameof(similarity), TensorShape.Of(queryFrames, targetFrames));
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

    /// <summary>Bytes of running region maxima a segment may keep (query rows × target frame blocks).</summary>
    private const int RowMaxBudget = 256 * 1024;

    /// <summary>Runs the whole target in segments of full-width frame blocks, then the ragged tail in one block whose
    /// vectors hold fewer frames and several regions each (40 frames on AVX-512 = 16 + 16 + 8 frames × 2 regions), so
    /// the tail neither pads to 16 frames nor drops to a narrower, slower vector.</summary>
    private static void Blocked<TVector, TLanes>(
        ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity, int queryFrames, int targetFrames)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        Span<float> sums = similarity[..(queryFrames * targetFrames)];
        sums.Clear();
        int queryRows = queryFrames * regions;
        int segmentBlocks = (int)Math.Max(1, RowMaxBudget / ((long)queryRows * Unsafe.SizeOf<TVector>()));
        int lanes = TLanes.Count;
        int done = 0;
        while (targetFrames - done >= lanes)
        {
            int blocks = Math.Min(segmentBlocks, (targetFrames - done) / lanes);
            Segment<TVector, TLanes>(query, target, regions, dims, sums, queryFrames, targetFrames, done, blocks, lanes);
            done += blocks * lanes;
        }

        int tail = targetFrames - done;
        if (tail > 0)
        {
            Segment<TVector, TLanes>(query, target, regions, dims, sums, queryFrames, targetFrames, done, 1, (int)BitOperations.RoundUpToPowerOf2((uint)tail));
        }

        for (int n = 0; n < sums.Length; n++)
        {
            sums[n] /= regions;
        }
    }

    /// <summary>GEMM-style blocking with the region max fused. A column vector holds <paramref name="framesPerVector"/>
    /// target frames × G = L / framesPerVector regions (lane g·F + l is frame l, region g of its group); a frame block
    /// contributes ceil(R / G) column vectors. Consecutive column vectors are packed two per panel, across block
    /// boundaries, so an odd count wastes at most one (a repeated region or column cannot change a max, NaN included),
    /// and every panel is swept by all Tq·R query rows with the shared micro-kernel. The max over target regions is a
    /// lane-wise max of product vectors kept per (query row, block), folded over the G region lanes at the end; the
    /// Tq·R × Tt·R product is never stored. Adds the region maxima of frames [first, first + blocks·F) ∩ [0, Tt) to
    /// <paramref name="sums"/>.</summary>
    private static void Segment<TVector, TLanes>(
        ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> sums, int queryFrames, int targetFrames,
        int first, int blocks, int framesPerVector)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int lanes = TLanes.Count;
        int width = 2 * lanes;
        int regionsPerVector = lanes / framesPerVector;
        int regionGroups = (regions + regionsPerVector - 1) / regionsPerVector;
        int columns = blocks * regionGroups;
        int frameLength = regions * dims;
        int queryRows = queryFrames * regions;
        int productLength = PanelMicroKernel.ProductLength(queryRows);
        float[] rentedPanel = ArrayPool<float>.Shared.Rent(dims * width);
        TVector[] rentedVectors = ArrayPool<TVector>.Shared.Rent(productLength + (queryRows * blocks));
        Span<float> panel = rentedPanel.AsSpan(0, dims * width);
        Span<TVector> product = rentedVectors.AsSpan(0, productLength);
        Span<TVector> rowMax = rentedVectors.AsSpan(productLength, queryRows * blocks);
        Span<int> rowStarts = stackalloc int[width];
        Span<float> partial = stackalloc float[lanes];
        ref float queryStart = ref MemoryMarshal.GetReference(query);
        ref float panelStart = ref MemoryMarshal.GetReference(panel);
        rowMax.Fill(TLanes.NegativeInfinity);

        for (int c0 = 0; c0 < columns; c0 += 2)
        {
            int c1 = Math.Min(c0 + 1, columns - 1);
            for (int half = 0; half < 2; half++)
            {
                int column = half == 0 ? c0 : c1;
                int frame0 = first + ((column / regionGroups) * framesPerVector);
                int region0 = (column % regionGroups) * regionsPerVector;
                for (int lane = 0; lane < lanes; lane++)
                {
                    int frame = frame0 + (lane % framesPerVector);
                    int region = Math.Min(region0 + (lane / framesPerVector), regions - 1);
                    rowStarts[(half * lanes) + lane] = frame < targetFrames ? (frame * frameLength) + (region * dims) : -1;
                }
            }

            PanelPacker.Pack(target, rowStarts, dims, panel);
            PanelMicroKernel.MultiplyPanel<TVector, TLanes>(ref queryStart, dims, queryRows, ref panelStart, dims, product);
            int block0 = c0 / regionGroups;
            int block1 = c1 / regionGroups;
            for (int g = 0; g < queryRows; g++)
            {
                ref TVector max0 = ref rowMax[(g * blocks) + block0];
                if (block0 == block1)
                {
                    max0 = TLanes.Max(max0, TLanes.Max(product[2 * g], product[(2 * g) + 1]));
                }
                else
                {
                    max0 = TLanes.Max(max0, product[2 * g]);
                    ref TVector max1 = ref rowMax[(g * blocks) + block1];
                    max1 = TLanes.Max(max1, product[(2 * g) + 1]);
                }
            }
        }

        // Rows come in (frame, region) order, so each S[i, j] gathers its region maxima in region order: the same
        // summation order as the scalar reference.
        for (int block = 0; block < blocks; block++)
        {
            int frame0 = first + (block * framesPerVector);
            int frames = Math.Min(framesPerVector, targetFrames - frame0);
            for (int g = 0; g < queryRows; g++)
            {
                Span<float> destination = sums.Slice(((g / regions) * targetFrames) + frame0, frames);
                TVector max = rowMax[(g * blocks) + block];
                if (frames == lanes)
                {
                    ref float d = ref MemoryMarshal.GetReference(destination);
                    TLanes.Store(TLanes.Add(TLanes.Load(ref d), max), ref d);
                    continue;
                }

                TLanes.Store(max, ref MemoryMarshal.GetReference(partial));
                for (int l = 0; l < frames; l++)
                {
                    float best = partial[l];
                    for (int r = 1; r < regionsPerVector; r++)
                    {
                        best = MathF.Max(best, partial[(r * framesPerVector) + l]);
                    }

                    destination[l] += best;
                }
            }
        }

        ArrayPool<float>.Shared.Return(rentedPanel);
        ArrayPool<TVector>.Shared.Return(rentedVectors);
    }
}
