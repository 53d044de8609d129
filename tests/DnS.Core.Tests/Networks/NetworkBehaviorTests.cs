using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Networks;

/// <summary>Behavior beyond the golden vectors: short/long videos, misuse, concurrency.</summary>
public sealed class NetworkBehaviorTests
{
    private static FineGrainedStudent ParameterFree(int dims)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("fg_att_student.weights.safetensors"));
        using var comparatorOnly = new FilteredSource(weights, n => n.StartsWith("visil_head.", StringComparison.Ordinal));
        return FineGrainedStudent.Load(comparatorOnly, new FineGrainedStudentConfig { Dims = dims });
    }

    private static float[] RandomVideo(int frames, int dims, int seed)
    {
        var random = new Random(seed);
        var x = new float[frames * 9 * dims];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        // Temporally correlated frames so the comparator sees structure, then unit-norm regions.
        for (int i = 9 * dims; i < x.Length; i++) x[i] = 0.7f * x[i - 9 * dims] + 0.3f * x[i];
        for (int r = 0; r < x.Length; r += dims)
        {
            float norm = MathF.Sqrt(x.AsSpan(r, dims).ToArray().Sum(v => v * v));
            for (int k = 0; k < dims; k++) x[r + k] /= norm;
        }
        return x;
    }

    private static float[] Repeat(float[] video, int times) => Enumerable.Repeat(video, times).SelectMany(v => v).ToArray();

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    public void Short_videos_are_tiled_like_the_reference_loader(int frames, int copies)
    {
        var student = ParameterFree(16);
        var shortVideo = RandomVideo(frames, 16, seed: frames);
        var other = RandomVideo(9, 16, seed: 99);
        var q = student.IndexVideo(shortVideo);
        var tiled = student.IndexVideo(Repeat(shortVideo, copies));
        var t = student.IndexVideo(other);

        student.Similarity(q, t).Should().BeApproximately(student.Similarity(tiled, t), 1e-6f);
        student.Similarity(t, q).Should().BeApproximately(student.Similarity(t, tiled), 1e-6f);
    }

    [Fact]
    public void Long_targets_are_chunked_and_short_remainders_skipped_as_in_the_reference_evaluation()
    {
        var student = ParameterFree(8);
        var query = student.IndexVideo(RandomVideo(6, 8, seed: 1));
        int chunk = FineGrainedStudent.TargetChunkFrames;
        var longVideo = RandomVideo(2 * chunk + 3, 8, seed: 2);
        int frame = 9 * 8;
        var first = student.IndexVideo(longVideo.AsSpan(0, chunk * frame));
        var second = student.IndexVideo(longVideo.AsSpan(chunk * frame, chunk * frame));

        float expected = (student.Similarity(query, first) + student.Similarity(query, second)) / 2; // the 3-frame tail is skipped
        student.Similarity(query, student.IndexVideo(longVideo)).Should().BeApproximately(expected, 1e-6f);
    }

    [Fact]
    public void Concurrent_similarities_equal_sequential_ones()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("fg_att_student.weights.safetensors"));
        var student = FineGrainedStudent.Load(weights);
        var videos = Enumerable.Range(0, 4).Select(i => student.IndexVideo(RandomVideo(5 + 5 * i, 512, seed: i))).ToArray();
        var pairs = (from q in videos from t in videos select (q, t)).ToArray();
        var sequential = pairs.Select(p => student.Similarity(p.q, p.t)).ToArray();
        var parallel = new float[pairs.Length];
        Parallel.For(0, pairs.Length * 2, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i % pairs.Length] = student.Similarity(pairs[i % pairs.Length].q, pairs[i % pairs.Length].t));
        parallel.Should().Equal(sequential);
    }

    [Fact]
    public void Features_of_another_student_or_size_are_rejected()
    {
        using var att = SafeTensorsFile.Open(SharedData.Golden("fg_att_student.weights.safetensors"));
        using var bin = SafeTensorsFile.Open(SharedData.Golden("fg_bin_student.weights.safetensors"));
        var attention = FineGrainedStudent.Load(att);
        var binary = FineGrainedStudent.Load(bin);
        var x = GoldenComparison.Read("videos.safetensors", "v0");
        var codes = binary.IndexVideo(x);
        var floats = attention.IndexVideo(x);

        ((Action)(() => attention.Similarity(floats, codes))).Should().Throw<ArgumentException>().WithMessage("*binary codes*Attention student*");
        ((Action)(() => binary.Similarity(codes, floats))).Should().Throw<ArgumentException>().WithMessage("*floats*Binary student*");
        ((Action)(() => attention.IndexVideo(x.AsSpan(1)))).Should().Throw<ArgumentException>().WithMessage("*9×512*");
        ((Action)(() => attention.Similarity(floats, FineFeatures.FromValues(new float[4 * 9 * 16], 9, 16)))).Should().Throw<ArgumentException>().WithMessage("*16 dims*expects 512*");
        var comparator = attention.Comparator!;
        ((Action)(() => comparator.Forward(new float[12], 3, 4, new float[1]))).Should().Throw<ArgumentException>().WithMessage("*at least 4×4*3×4*");
    }

    [Fact]
    public void Binary_features_are_32_times_smaller_than_floats()
    {
        using var bin = SafeTensorsFile.Open(SharedData.Golden("fg_bin_student.weights.safetensors"));
        var features = FineGrainedStudent.Load(bin).IndexVideo(GoldenComparison.Read("videos.safetensors", "v3"));
        features.StorageBytes.Should().Be(30 * 9 * 512 / 8);
        FineFeatures.FromCodes(features.Codes, 9, 512).Codes.ToArray().Should().Equal(features.Codes.ToArray());
    }
}
