using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DnS.Training.Tests.Distillation;

/// <summary>
/// An in-memory corpus for the trainer tests: source videos of random L2-normalized region vectors (some shorter than 4
/// frames, one longer than the frame cap) and a noisy near-copy of each, with teacher targets from the parameter-free
/// region-then-frame chamfer, so copies score high and unrelated videos low.
/// </summary>
internal sealed class TestCorpus : IRegionFeatureSource
{
    public const int R = 9;
    private readonly float[][] _videos;
    private readonly int[] _frames;

    public TestCorpus(int dims, int seed, int[]? sourceFrames = null)
    {
        Dims = dims;
        sourceFrames ??= [2, 3, 6, 9, 12, 20];
        var random = new Random(seed);
        int sources = sourceFrames.Length;
        _videos = new float[2 * sources][];
        _frames = new int[2 * sources];
        for (int s = 0; s < sources; s++)
        {
            int t = sourceFrames[s];
            var video = Normalized(Gaussian(random, t * R * dims, 1f), dims);
            var copy = (float[])video.Clone();
            var noise = Gaussian(random, copy.Length, 0.15f);
            for (int i = 0; i < copy.Length; i++) copy[i] += noise[i];
            (_videos[s], _frames[s]) = (video, t);
            (_videos[sources + s], _frames[sources + s]) = (Normalized(copy, dims), t);
        }
        Sources = sources;
    }

    public int Sources { get; }

    public int Count => _videos.Length;

    public int Regions => R;

    public int Dims { get; }

    public string GetId(int video) => $"v{video}";

    public int GetFrames(int video) => _frames[video];

    public ReadOnlyMemory<float> GetFeatures(int video) => _videos[video];

    /// <summary>Every source as anchor against every other video, scored by <see cref="Chamfer"/>.</summary>
    public ScoredPair[] Pairs()
    {
        var pairs = new List<ScoredPair>();
        for (int a = 0; a < Sources; a++)
            for (int o = 0; o < Count; o++)
            {
                if (o == a) continue;
                var kind = o == a + Sources ? PairKind.Positive : o < Sources ? PairKind.AnchorNegative : PairKind.Distractor;
                pairs.Add(new ScoredPair(a, o, kind, Chamfer(a, o)));
            }
        return [.. pairs];
    }

    /// <summary>Mean over query frames of the max over target frames of (mean over query regions of the max region dot).</summary>
    public float Chamfer(int query, int target)
    {
        var q = _videos[query];
        var x = _videos[target];
        double videoSum = 0;
        for (int i = 0; i < _frames[query]; i++)
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j < _frames[target]; j++)
            {
                double frameSum = 0;
                for (int o = 0; o < R; o++)
                {
                    double regionBest = double.NegativeInfinity;
                    var qo = q.AsSpan((i * R + o) * Dims, Dims);
                    for (int p = 0; p < R; p++)
                        regionBest = Math.Max(regionBest, System.Numerics.Tensors.TensorPrimitives.Dot(qo, x.AsSpan((j * R + p) * Dims, Dims)));
                    frameSum += regionBest;
                }
                best = Math.Max(best, frameSum / R);
            }
            videoSum += best;
        }
        return (float)(videoSum / _frames[query]);
    }

    private static float[] Gaussian(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }

    private static float[] Normalized(float[] values, int dims)
    {
        for (int at = 0; at < values.Length; at += dims)
        {
            var v = values.AsSpan(at, dims);
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
            System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
        }
        return values;
    }
}
