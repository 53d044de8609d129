using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Modules;

/// <summary>Eval-mode parity of the ViSiL teacher head with the reference's golden outputs (asymmetric and symmetric).</summary>
[Collection(TorchCollection.Name)]
public sealed class ViSiLTeacherGoldenTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private const string Weights = "visil_teacher.weights.safetensors";
    private const string Outputs = "visil_teacher.outputs.safetensors";

    private ViSiLTeacherModule Load(bool symmetric)
    {
        var teacher = new ViSiLTeacherModule(512, symmetric: symmetric);
        teacher.LoadWeights(torchFixture.Golden(Weights));
        teacher.eval();
        return teacher;
    }

    [Fact]
    public void State_dict_keys_equal_the_reference_keys()
    {
        using var teacher = new ViSiLTeacherModule(512);
        teacher.state_dict().Keys.Should().BeEquivalentTo(torchFixture.Golden(Weights).Tensors.Keys);
    }

    [Fact]
    public void Attention_weights_match_the_reference()
    {
        using var scope = NewDisposeScope();
        using var teacher = Load(false);
        double worst = 0;
        using var noGrad = no_grad();
        foreach (string v in new[] { "v0", "v1", "v2", "v3", "v4" })
            worst = Math.Max(worst, Tolerance.Check(teacher.Attention!.Weights(torchFixture.Tensor("videos.safetensors", v)), torchFixture.Tensor(Outputs, "attention_weights." + v), 1e-6, 0, v));
        output.WriteLine($"visil_teacher attention weights: worst |err| {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(GoldenPairs.Indices), MemberType = typeof(GoldenPairs))]
    public void Asymmetric_similarity_matches_the_reference(int pair) => CheckPair(false, pair);

    [Theory]
    [MemberData(nameof(GoldenPairs.Indices), MemberType = typeof(GoldenPairs))]
    public void Symmetric_similarity_matches_the_reference(int pair) => CheckPair(true, pair);

    private void CheckPair(bool symmetric, int pairIndex)
    {
        using var scope = NewDisposeScope();
        using var teacher = Load(symmetric);
        var (pairName, query, target) = GoldenPairs.All[pairIndex];
        string pair = (symmetric ? "sym." : "asym.") + pairName;
        using var noGrad = no_grad();
        var q = teacher.IndexVideo(torchFixture.Tensor("videos.safetensors", query).unsqueeze(0));
        var t = teacher.IndexVideo(torchFixture.Tensor("videos.safetensors", target).unsqueeze(0));
        double e1 = Tolerance.Check(teacher.FrameToFrame(q, t)[0], torchFixture.Tensor(Outputs, pair + ".f2f"), 1e-5, 0, pair + ".f2f");
        var goldenF2f = torchFixture.Tensor(Outputs, pair + ".f2f").unsqueeze(0);
        double e2 = Tolerance.Check(teacher.Comparator!.forward(goldenF2f)[0], torchFixture.Tensor(Outputs, pair + ".comparator_raw"), 1e-5, 1e-4, pair + ".comparator_raw");
        double e3 = Tolerance.Check(teacher.SimilarityMatrix(q, t)[0], torchFixture.Tensor(Outputs, pair + ".comparator_htanh"), 1e-5, 1e-4, pair + ".comparator_htanh");
        double e4 = Tolerance.Check(teacher.Similarity(q, t), torchFixture.Tensor(Outputs, pair + ".similarity"), 1e-5, 0, pair + ".similarity");
        output.WriteLine($"visil_teacher {pair}: worst |err| f2f {e1:E2}, comparator {e2:E2}, htanh {e3:E2}, similarity {e4:E2}");
    }
}
