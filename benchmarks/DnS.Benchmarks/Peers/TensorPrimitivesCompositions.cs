using System.Numerics.Tensors;

namespace DnS.Benchmarks.Peers;

/// <summary>
/// Peer (2): the obvious composition of System.Numerics.Tensors.TensorPrimitives (SIMD inside each call,
/// nothing fused across calls): one Dot per region pair, Max over target regions, Sum/R over query regions.
/// </summary>
public static class TensorPrimitivesCompositions
{
    /// <summary>Float chamfer frame-to-frame similarity.</summary>
    public static void Chamfer(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity)
    {
        var frameLength = regions * dims;
        var queryFrames = query.Length / frameLength;
        var targetFrames = target.Length / frameLength;
        Span<float> dots = stackalloc float[regions];
        Span<float> maxima = stackalloc float[regions];
        for (var i = 0; i < queryFrames; i++)
        {
            for (var j = 0; j < targetFrames; j++)
            {
                for (var r = 0; r < regions; r++)
                {
                    var q = query.Slice((i * regions + r) * dims, dims);
                    for (var s = 0; s < regions; s++)
                        dots[s] = TensorPrimitives.Dot(q, target.Slice((j * regions + s) * dims, dims));
                    maxima[r] = TensorPrimitives.Max(dots);
                }
                similarity[i * targetFrames + j] = TensorPrimitives.Sum(maxima) / regions;
            }
        }
    }

    /// <summary>Hamming chamfer via TensorPrimitives.HammingBitDistance per code pair.</summary>
    public static void Hamming(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity)
    {
        var words = (bits + 63) / 64;
        var frameLength = regions * words;
        var queryFrames = query.Length / frameLength;
        var targetFrames = target.Length / frameLength;
        Span<float> maxima = stackalloc float[regions];
        for (var i = 0; i < queryFrames; i++)
        {
            for (var j = 0; j < targetFrames; j++)
            {
                for (var r = 0; r < regions; r++)
                {
                    var q = query.Slice((i * regions + r) * words, words);
                    var fewest = long.MaxValue;
                    for (var s = 0; s < regions; s++)
                        fewest = Math.Min(fewest, TensorPrimitives.HammingBitDistance(q, target.Slice((j * regions + s) * words, words)));
                    maxima[r] = 1f - 2f * fewest / bits;
                }
                similarity[i * targetFrames + j] = TensorPrimitives.Sum(maxima) / regions;
            }
        }
    }

    /// <summary>Coarse scan: one TensorPrimitives.Dot per matrix row.</summary>
    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores)
    {
        var dims = query.Length;
        for (var n = 0; n < scores.Length; n++)
            scores[n] = TensorPrimitives.Dot(query, matrix.Slice(n * dims, dims));
    }
}
