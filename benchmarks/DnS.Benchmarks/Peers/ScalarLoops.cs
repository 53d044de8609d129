using DnS.Core.Kernels.Reference;

namespace DnS.Benchmarks.Peers;

/// <summary>
/// Peer (1): the plain loops a developer writes first — no SIMD, no blocking. These are DnS.Core's own scalar
/// references (the definitions every SIMD path is tested against), so the peer and the tests share one loop.
/// </summary>
public static class ScalarLoops
{
    /// <summary>Float chamfer frame-to-frame similarity, S[i,j] = mean_r max_r' &lt;Q[i,r], X[j,r']&gt;.</summary>
    public static void Chamfer(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity) =>
        ChamferScalar.FrameToFrame(query, target, regions, dims, similarity);

    /// <summary>Hamming chamfer on packed sign codes: similarity 1 − 2·popcount(a⊕b)/bits.</summary>
    public static void Hamming(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity) =>
        HammingScalar.FrameToFrame(query, target, regions, bits, similarity);

    /// <summary>Coarse scan: scores[n] = &lt;query, matrix row n&gt;.</summary>
    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores) =>
        DotScalar.OneVsMany(query, matrix, scores, scores.Length);
}
