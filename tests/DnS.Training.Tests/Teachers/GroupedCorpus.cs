using DnS.Training.Data;

namespace DnS.Training.Tests.Teachers;

/// <summary>
/// An in-memory corpus of random L2-normalized region features in groups: the members of a group are noisy copies
/// of one base video (so a chamfer teacher ranks siblings first), and different groups are unrelated.
/// </summary>
internal sealed class GroupedCorpus : IRegionFeatureSource
{
    private readonly float[][] _videos;
    private readonly string[] _ids;

    public GroupedCorpus(int groups, int membersPerGroup, int regions = 4, int dims = 16, int seed = 1, string idPrefix = "v")
    {
        Regions = regions;
        Dims = dims;
        MembersPerGroup = membersPerGroup;
        var rng = new Random(seed);
        _videos = new float[groups * membersPerGroup][];
        _ids = new string[_videos.Length];
        for (int g = 0; g < groups; g++)
        {
            int frames = 2 + rng.Next(5);
            var baseVideo = Gaussian(rng, frames * regions * dims);
            for (int m = 0; m < membersPerGroup; m++)
            {
                var video = new float[baseVideo.Length];
                for (int i = 0; i < video.Length; i++) video[i] = baseVideo[i] + 0.3f * (float)NextGaussian(rng);
                for (int row = 0; row < frames * regions; row++) Normalize(video.AsSpan(row * dims, dims));
                int index = g * membersPerGroup + m;
                _videos[index] = video;
                _ids[index] = $"{idPrefix}{index:D3}";
            }
        }
    }

    public int MembersPerGroup { get; }

    public int Count => _videos.Length;

    public int Regions { get; }

    public int Dims { get; }

    public int GroupOf(int video) => video / MembersPerGroup;

    public string GetId(int video) => _ids[video];

    public int GetFrames(int video) => _videos[video].Length / (Regions * Dims);

    public ReadOnlyMemory<float> GetFeatures(int video) => _videos[video];

    private static float[] Gaussian(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)NextGaussian(rng);
        return values;
    }

    private static double NextGaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static void Normalize(Span<float> v)
    {
        double sum = 0;
        foreach (float x in v) sum += x * x;
        float scale = (float)(1 / Math.Sqrt(sum));
        for (int i = 0; i < v.Length; i++) v[i] *= scale;
    }
}
