using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Modules;

/// <summary>Eval-mode parity of the selector module with the reference's golden outputs.</summary>
[Collection(TorchCollection.Name)]
public sealed class SelectorNetworkGoldenTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private const string Outputs = "selector.outputs.safetensors";

    private SelectorNetworkModule Load()
    {
        var selector = new SelectorNetworkModule();
        selector.LoadWeights(torchFixture.Golden("selector.weights.safetensors"));
        selector.eval();
        return selector;
    }

    [Fact]
    public void State_dict_keys_equal_the_reference_keys_including_batchnorm_buffers()
    {
        using var selector = new SelectorNetworkModule();
        selector.state_dict().Keys.Should().BeEquivalentTo(torchFixture.Golden("selector.weights.safetensors").Tensors.Keys);
    }

    [Fact]
    public void Self_similarity_index_matches_the_reference()
    {
        using var scope = NewDisposeScope();
        using var selector = Load();
        double worstF2f = 0, worstComparator = 0, worstIndex = 0;
        using var noGrad = no_grad();
        foreach (string v in new[] { "v0", "v1", "v2", "v3", "v4" })
        {
            var x = torchFixture.Tensor("videos.safetensors", v).unsqueeze(0);
            worstF2f = Math.Max(worstF2f, Tolerance.Check(selector.FrameToFrame(x)[0], torchFixture.Tensor(Outputs, "f2f." + v), 1e-6, 0, v));
            var goldenF2f = torchFixture.Tensor(Outputs, "f2f." + v).unsqueeze(0);
            worstComparator = Math.Max(worstComparator, Tolerance.Check(selector.Comparator.forward(goldenF2f)[0], torchFixture.Tensor(Outputs, "comparator_raw." + v), 1e-5, 0, v));
            worstIndex = Math.Max(worstIndex, Tolerance.Check(selector.IndexVideo(x), torchFixture.Tensor(Outputs, "index." + v), 1e-6, 0, v));
        }
        output.WriteLine($"selector: worst |err| f2f {worstF2f:E2}, comparator {worstComparator:E2}, index {worstIndex:E2}");
    }

    [Fact]
    public void Masked_padded_batch_gives_the_unpadded_index_for_lengths_divisible_by_4()
    {
        // With zero padding, masked cells act like the padding, so a video of 4k frames padded to 20 frames scores as unpadded.
        using var scope = NewDisposeScope();
        using var selector = Load();
        string[] videos = ["v0", "v4"];
        var batch = cat(videos.Select(v =>
        {
            var x = torchFixture.Tensor("videos.safetensors", v);
            return nn.functional.pad(x, [0, 0, 0, 0, 0, 20 - x.shape[0]]).unsqueeze(0);
        }).ToList(), 0);
        var valid = arange(20).unsqueeze(0).lt(tensor(new long[] { 4, 12 }).unsqueeze(1));
        using var noGrad = no_grad();
        var index = selector.IndexVideo(batch, valid);
        double worst = Tolerance.Check(index, cat(videos.Select(v => torchFixture.Tensor(Outputs, "index." + v)).ToList(), 0), 1e-6, 0, "masked index");
        output.WriteLine($"selector masked index (v0, v4 padded to 20): worst |err| {worst:E2}");
    }

    [Fact]
    public void Scores_match_the_reference_with_running_batchnorm_statistics()
    {
        using var scope = NewDisposeScope();
        using var selector = Load();
        using var noGrad = no_grad();
        double worst = Tolerance.Check(selector.forward(torchFixture.Tensor(Outputs, "triples")), torchFixture.Tensor(Outputs, "scores"), 1e-6, 1e-5, "scores");
        output.WriteLine($"selector scores: worst |err| {worst:E2}");
    }
}
