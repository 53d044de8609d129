using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

public sealed class SelectorNetworkGoldenTests(ITestOutputHelper output)
{
    private const string Outputs = "selector.outputs.safetensors";
    private readonly GoldenComparison _golden = new(output);

    [Fact]
    public void Self_similarity_stages_match_golden()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"));
        var selector = SelectorNetwork.Load(weights);
        selector.HiddenSize.Should().Be(100);
        foreach (var v in new[] { "v0", "v1", "v2", "v3", "v4" })
        {
            var x = GoldenComparison.Read("videos.safetensors", v);
            int t = x.Length / (9 * 512);
            var f2f = new float[t * t];
            selector.FrameToFrame(x, f2f);
            _golden.Close($"selector f2f.{v}", GoldenComparison.Read(Outputs, "f2f." + v), f2f, 1e-6);

            var (rows, cols) = VideoComparator.OutputShape(t, t);
            var raw = new float[rows * cols];
            selector.Comparator.Forward(GoldenComparison.Read(Outputs, "f2f." + v), t, t, raw);
            _golden.Close($"selector comparator_raw.{v}", GoldenComparison.Read(Outputs, "comparator_raw." + v), raw, 1e-5);

            _golden.Close($"selector index.{v}", GoldenComparison.Read(Outputs, "index." + v), [selector.IndexVideo(x)], 1e-6);
        }
    }

    [Fact]
    public void Mlp_scores_match_golden_one_by_one_and_batched()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"));
        var selector = SelectorNetwork.Load(weights);
        var triples = GoldenComparison.Read(Outputs, "triples");
        var expected = GoldenComparison.Read(Outputs, "scores");
        int n = expected.Length;
        var q = Enumerable.Range(0, n).Select(i => triples[3 * i]).ToArray();
        var t = Enumerable.Range(0, n).Select(i => triples[3 * i + 1]).ToArray();
        var c = Enumerable.Range(0, n).Select(i => triples[3 * i + 2]).ToArray();

        var batched = new float[n];
        selector.Score(q, t, c, batched);
        _golden.Close("selector scores (batch)", expected, batched, 1e-6, 1e-5);
        var single = Enumerable.Range(0, n).Select(i => selector.Score(q[i], t[i], c[i])).ToArray();
        _golden.Close("selector scores (one pair per call)", expected, single, 1e-6, 1e-5);
    }

    [Fact]
    public void Short_video_is_tiled_like_the_reference_loader()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"));
        var selector = SelectorNetwork.Load(weights);
        var v1 = GoldenComparison.Read("videos.safetensors", "v1");
        var threeFrames = v1.AsSpan(0, 3 * 9 * 512).ToArray();
        float[] sixFrames = [.. threeFrames, .. threeFrames];
        selector.IndexVideo(threeFrames).Should().BeApproximately(selector.IndexVideo(sixFrames), 1e-6f);
    }
}
