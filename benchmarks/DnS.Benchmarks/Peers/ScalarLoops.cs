using System.Numerics;

namespace DnS.Benchmarks.Peers;

/// <summary>
/// Peer (1): the plain loops a developer writes first — no SIMD, no blocking. Same contracts as the DnS kernels:
/// S[i,j] = mean_r max_r' &lt;Q[i,r], X[j,r']&gt;.
/// </summary>
public static class ScalarLoops
{
    /// <summary>Float chamfer frame-to-frame similarity.</summary>
    public static void Chamfer(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity)
    {
        var frameLength = regions * dims;
        var queryFrames = query.Length / frameLength;
        var targetFrames = target.Length / frameLength;
        for (var i = 0; i < queryFrames; i++)
        {
            for (var j = 0; j < targetFrames; j++)
            {
                var sum = 0f;
                for (var r = 0; r < regions; r++)
                {
                    var q = query.Slice((i * regions + r) * dims, dims);
                    var best = float.NegativeInfinity;
                    for (var s = 0; s < regions; s++)
                    {
                        var x = target.Slice((j * regions + s) * dims, dims);
                        var dot = 0f;
                        for (var d = 0; d < dims; d++)
                            dot += q[d] * x[d];
                        best = Math.Max(best, dot);
                    }
                    sum += best;
                }
                similarity[i * targetFrames + j] = sum / regions;
            }
        }
    }

    /// <summary>Hamming chamfer on packed sign codes: similarity 1 − 2·popcount(a⊕b)/bits.</summary>
    public static void Hamming(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity)
    {
        var words = (bits + 63) / 64;
        var frameLength = regions * words;
        var queryFrames = query.Length / frameLength;
        var targetFrames = target.Length / frameLength;
        for (var i = 0; i < queryFrames; i++)
        {
            for (var j = 0; j < targetFrames; j++)
            {
                var sum = 0f;
                for (var r = 0; r < regions; r++)
                {
                    var q = query.Slice((i * regions + r) * words, words);
                    var fewest = int.MaxValue;
                    for (var s = 0; s < regions; s++)
                    {
                        var x = target.Slice((j * regions + s) * words, words);
                        var distance = 0;
                        for (var w = 0; w < words; w++)
                            distance += BitOperations.PopCount(q[w] ^ x[w]);
                        fewest = Math.Min(fewest, distance);
                    }
                    sum += 1f - 2f * fewest / bits;
                }
                similarity[i * targetFrames + j] = sum / regions;
            }
        }
    }

    /// <summary>Coarse scan: scores[n] = &lt;query, matrix row n&gt;.</summary>
    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores)
    {
        var dims = query.Length;
        for (var n = 0; n < scores.Length; n++)
        {
            var row = matrix.Slice(n * dims, dims);
            var dot = 0f;
            for (var d = 0; d < dims; d++)
                dot += query[d] * row[d];
            scores[n] = dot;
        }
    }
}
