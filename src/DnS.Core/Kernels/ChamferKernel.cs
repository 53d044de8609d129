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
        ChamferScalar.FrameToFrame(query, target, regions, dims, similarity);
    }
}
