using DnS.Training.Data;

namespace DnS.Training.Tests.SelfSupervised;

/// <summary>Region features held in arrays: random L2-normalized videos for tests that need no decoding.</summary>
public sealed class ArrayFeatureSource(string[] ids, float[][] features, int regions, int dims) : IRegionFeatureSource
{
    public int Count => ids.Length;

    public int Regions => regions;

    public int Dims => dims;

    public string GetId(int video) => ids[video];

    public int GetFrames(int video) => features[video].Length / (regions * dims);

    public ReadOnlyMemory<float> GetFeatures(int video) => features[video];

    /// <summary><paramref name="videos"/> random videos of 6–11 frames with unit region vectors.</summary>
    public static ArrayFeatureSource Random(int videos, int regions, int dims, int seed)
    {
        var random = new Random(seed);
        var ids = new string[videos];
        var features = new float[videos][];
        for (int v = 0; v < videos; v++)
        {
            ids[v] = "video" + v;
            int frames = 6 + random.Next(6);
            var values = features[v] = new float[frames * regions * dims];
            for (int r = 0; r < frames * regions; r++)
            {
                var vector = values.AsSpan(r * dims, dims);
                double norm = 0;
                for (int d = 0; d < dims; d++) norm += (vector[d] = (float)(random.NextDouble() * 2 - 1)) * vector[d];
                for (int d = 0; d < dims; d++) vector[d] /= (float)Math.Sqrt(norm);
            }
        }
        return new ArrayFeatureSource(ids, features, regions, dims);
    }
}
