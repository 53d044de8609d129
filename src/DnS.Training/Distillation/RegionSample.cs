using DnS.Training.Data;
using static TorchSharp.torch;

namespace DnS.Training.Distillation;

/// <summary>A seeded sample of region vectors from a corpus (for fits such as <see cref="Itq"/>).</summary>
public static class RegionSample
{
    /// <summary>
    /// <paramref name="count"/> region vectors [N, D] drawn uniformly over videos, then frames, then regions (with
    /// replacement); N is capped at the corpus' total number of region vectors.
    /// </summary>
    public static Tensor Draw(IRegionFeatureSource source, int count, Random random)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        long total = 0;
        for (int v = 0; v < source.Count; v++) total += (long)source.GetFrames(v) * source.Regions;
        int n = (int)Math.Min(count, total);
        int dims = source.Dims;
        var data = new float[n * dims];
        for (int i = 0; i < n; i++)
        {
            int video = random.Next(source.Count);
            int region = random.Next(source.GetFrames(video) * source.Regions);
            source.GetFeatures(video).Span.Slice(region * dims, dims).CopyTo(data.AsSpan(i * dims));
        }
        return tensor(data, [n, dims]);
    }
}
