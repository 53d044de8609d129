using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

public sealed class CoarseGrainedStudentGoldenTests(ITestOutputHelper output)
{
    private readonly GoldenComparison _golden = new(output);

    public static TheoryData<string, string, int, string[]> Cases => new()
    {
        { "cg_student", "videos.safetensors", 8, ["v0", "v1", "v2", "v3", "v4"] },
        { "cg_student_d64", "videos_d64.safetensors", 4, ["s0", "s1"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_stage_matches_golden_from_its_stored_input(string name, string videos, int heads, string[] names)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden(name + ".weights.safetensors"));
        var student = CoarseGrainedStudent.Load(weights, new CoarseGrainedStudentConfig { TransformerHeads = heads });
        student.HasAttention.Should().BeTrue();
        student.HasNetVlad.Should().BeTrue();
        string outputs = name + ".outputs.safetensors";
        int d = student.Dims;
        var indexes = new List<float[]>();
        foreach (var v in names)
        {
            var x = GoldenComparison.Read(videos, v);
            _golden.Close($"{name} frames.{v}", GoldenComparison.Read(outputs, "frames." + v), student.PoolFrames(x), 1e-6);

            var frames = GoldenComparison.Read(outputs, "frames." + v);
            student.Encode(frames, frames.Length / d);
            _golden.Close($"{name} transformer.{v}", GoldenComparison.Read(outputs, "transformer." + v), frames, 1e-4, 1e-4);

            var encoded = GoldenComparison.Read(outputs, "transformer." + v);
            _golden.Close($"{name} netvlad.{v}", GoldenComparison.Read(outputs, "netvlad." + v), student.Aggregate(encoded, encoded.Length / d), 1e-4, 1e-4);

            var index = student.IndexVideo(x);
            _golden.Close($"{name} index.{v}", GoldenComparison.Read(outputs, "index." + v), index, 1e-5);
            indexes.Add(index);
        }

        // similarity_matrix from the stored index vectors; batched.index (masked, padded batch) equals the per-video results.
        var stored = names.Select(v => GoldenComparison.Read(outputs, "index." + v)).ToArray();
        var matrix = stored.SelectMany(q => stored.Select(t => CoarseGrainedStudent.Similarity(q, t))).ToArray();
        _golden.Close($"{name} similarity_matrix", GoldenComparison.Read(outputs, "similarity_matrix"), matrix, 1e-5);
        var batched = student.IndexVideos(names.Select(v => (ReadOnlyMemory<float>)GoldenComparison.Read(videos, v)).ToArray());
        _golden.Close($"{name} batched.index", GoldenComparison.Read(outputs, "batched.index"), batched.SelectMany(i => i).ToArray(), 1e-5);
        _golden.Close($"{name} IndexVideos vs IndexVideo", indexes.SelectMany(i => i).ToArray(), batched.SelectMany(i => i).ToArray(), 1e-6);
    }

    [Fact]
    public void Head_count_that_does_not_divide_the_model_size_is_rejected()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("cg_student_d64.weights.safetensors"));
        var act = () => CoarseGrainedStudent.Load(weights, new CoarseGrainedStudentConfig { TransformerHeads = 5 });
        act.Should().Throw<WeightsFormatException>().WithMessage("*5 attention heads*64*");
    }

    [Fact]
    public void Modules_follow_the_weights_and_all_off_gives_mean_pooling()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("cg_student_d64.weights.safetensors"));
        using var none = new FilteredSource(weights, _ => false);
        var pooled = CoarseGrainedStudent.Load(none, dims: 64);
        pooled.HasAttention.Should().BeFalse();
        pooled.TransformerLayers.Should().Be(0);
        pooled.OutputDims.Should().Be(64);

        var x = GoldenComparison.Read("videos_d64.safetensors", "s0");
        var expected = new float[64];
        for (int t = 0; t < 5; t++)
        {
            var frame = new float[64];
            for (int r = 0; r < 9; r++)
                for (int k = 0; k < 64; k++) frame[k] += x[(t * 9 + r) * 64 + k];
            float norm = MathF.Sqrt(frame.Sum(f => f * f));
            for (int k = 0; k < 64; k++) expected[k] += frame[k] / norm / 5;
        }
        float total = MathF.Sqrt(expected.Sum(f => f * f));
        _golden.Close("cg mean pooling (all modules off)", expected.Select(e => e / total).ToArray(), pooled.IndexVideo(x), 1e-6);

        var contradicts = () => CoarseGrainedStudent.Load(weights, new CoarseGrainedStudentConfig { TransformerHeads = 4, NetVlad = false });
        contradicts.Should().Throw<WeightsFormatException>().WithMessage("*netvlad*");
        using var noNetVlad = new FilteredSource(weights, n => !n.StartsWith("netvlad.", StringComparison.Ordinal));
        var required = () => CoarseGrainedStudent.Load(noNetVlad, new CoarseGrainedStudentConfig { TransformerHeads = 4, NetVlad = true });
        required.Should().Throw<WeightsFormatException>().WithMessage("*missing tensor 'netvlad.centroids'*");
    }
}
