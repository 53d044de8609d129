using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

public sealed class ViSiLTeacherGoldenTests(ITestOutputHelper output)
{
    private const string Outputs = "visil_teacher.outputs.safetensors";

    private static readonly (string Pair, string Query, string Target)[] Pairs =
        [("pair0", "v3", "v4"), ("pair1", "v4", "v3"), ("pair2", "v1", "v2"), ("pair3", "v2", "v0"), ("pair4", "v0", "v1"), ("pair5", "v2", "v2")];

    private readonly GoldenComparison _golden = new(output);

    [Fact]
    public void Attention_weights_match_golden()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("visil_teacher.weights.safetensors"));
        var attention = L2Attention.Load(weights);
        foreach (var v in new[] { "v0", "v1", "v2", "v3", "v4" })
        {
            var x = GoldenComparison.Read("videos.safetensors", v);
            var a = new float[x.Length / 512];
            attention.Apply(x, new float[x.Length], a);
            _golden.Close($"visil_teacher attention_weights.{v}", GoldenComparison.Read(Outputs, "attention_weights." + v), a, 1e-6);
        }
    }

    [Theory]
    [InlineData("cg_student.weights.safetensors", "ViSiL head", "netvlad.centroids")]
    [InlineData("fg_att_student.weights.safetensors", "ViSiL head", "visil_head.conv1.bias")]
    public void Another_network_s_weights_are_refused_by_name(string file, string network, string firstUnexpected)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden(file));
        var load = () => ViSiLTeacher.Load(weights);
        load.Should().Throw<WeightsFormatException>().WithMessage($"*not the weights of a {network}: unexpected tensors '{firstUnexpected}'*")
            .Which.TensorName.Should().Be(firstUnexpected);

        using var teacher = SafeTensorsFile.Open(SharedData.Golden("visil_teacher.weights.safetensors"));
        FluentActions.Invoking(() => FineGrainedStudent.Load(teacher)).Should().Throw<WeightsFormatException>().WithMessage("*fine-grained student*video_comperator.*");
        FluentActions.Invoking(() => SelectorNetwork.Load(teacher)).Should().Throw<WeightsFormatException>().WithMessage("*selector network*video_comperator.*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pairs_match_golden_stage_by_stage(bool symmetric)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("visil_teacher.weights.safetensors"));
        var teacher = ViSiLTeacher.Load(weights, new ViSiLTeacherConfig { Symmetric = symmetric });
        teacher.Comparator!.Padding.Should().Be(ComparatorPadding.Replicate);
        string prefix = symmetric ? "sym." : "asym.";
        foreach (var (pair, qName, tName) in Pairs)
        {
            var query = teacher.IndexVideo(GoldenComparison.Read("videos.safetensors", qName));
            var target = teacher.IndexVideo(GoldenComparison.Read("videos.safetensors", tName));
            var f2f = new float[query.Frames * target.Frames];
            teacher.FrameToFrame(query, target, f2f);
            _golden.Close($"visil_teacher {prefix}{pair}.f2f", GoldenComparison.Read(Outputs, prefix + pair + ".f2f"), f2f, 1e-5);

            var (rows, cols) = VideoComparator.OutputShape(query.Frames, target.Frames);
            var raw = new float[rows * cols];
            teacher.Comparator.Forward(GoldenComparison.Read(Outputs, prefix + pair + ".f2f"), query.Frames, target.Frames, raw);
            _golden.Close($"visil_teacher {prefix}{pair}.comparator_raw", GoldenComparison.Read(Outputs, prefix + pair + ".comparator_raw"), raw, 1e-5, 1e-4);
            _golden.Close($"visil_teacher {prefix}{pair}.comparator_htanh", GoldenComparison.Read(Outputs, prefix + pair + ".comparator_htanh"),
                raw.Select(r => Math.Clamp(r, -1f, 1f)).ToArray(), 1e-5, 1e-4);

            _golden.Close($"visil_teacher {prefix}{pair}.similarity", GoldenComparison.Read(Outputs, prefix + pair + ".similarity"),
                [teacher.Similarity(query, target)], 1e-5);
        }
    }
}
