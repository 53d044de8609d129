using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Teachers;

public sealed class ScoreFusionTests
{
    // Teacher A: μ = 0.5, σ = √0.05, z = ±0.4472, ±1.3416. Teacher B: μ = 0.25, σ = 0.25, z = ±1.
    private static readonly float[] A = [0.2f, 0.4f, 0.6f, 0.8f];
    private static readonly float[] B = [0.0f, 0.0f, 0.5f, 0.5f];
    private static readonly SampledPair[] Pairs =
    [
        new(0, 1, PairKind.Positive), new(0, 2, PairKind.AnchorNegative), new(3, 4, PairKind.Positive), new(3, 5, PairKind.Distractor),
    ];

    [Fact]
    public void Standardize_gives_population_z_scores()
    {
        var z = new float[4];
        var statistics = ScoreFusion.Standardize(A, z);
        statistics.Mean.Should().BeApproximately(0.5, 1e-7);
        statistics.StandardDeviation.Should().BeApproximately(Math.Sqrt(0.05), 1e-7);
        z.Should().Equal([-1.3416408f, -0.4472136f, 0.4472136f, 1.3416408f], (x, y) => Math.Abs(x - y) < 1e-6f);

        ScoreFusion.Standardize([0.3f, 0.3f, 0.3f], z).StandardDeviation.Should().Be(0);
        z[..3].Should().Equal(0f, 0f, 0f);
    }

    [Fact]
    public void Mean_fusion_averages_z_and_maps_back_with_the_mean_teacher_scale()
    {
        // μ̄ = 0.375, σ̄ = (√0.05 + 0.25)/2 = 0.2368034.
        var fused = ScoreFusion.Fuse(Pairs, [A, B], new ScoreFusionOptions { Method = FusionMethod.Mean });
        double[] expected = [(-1.3416408 - 1) / 2, (-0.4472136 - 1) / 2, (0.4472136 + 1) / 2, (1.3416408 + 1) / 2];
        fused.Select(p => (double)p.Target).Should().Equal(expected.Select(z => z * 0.2368034 + 0.375), (x, y) => Math.Abs(x - y) < 1e-6);
        fused.Select(p => (p.Anchor, p.Other, p.Kind)).Should().Equal(Pairs.Select(p => (p.Anchor, p.Other, p.Kind)));
    }

    [Fact]
    public void MaxMin_takes_the_maximum_for_positives_and_the_minimum_for_negatives()
    {
        var fused = ScoreFusion.Fuse(Pairs, [A, B]);  // MaxMin is the default
        // Positive: max(−1.342, −1) = −1; anchor negative: min(−0.447, −1) = −1; positive: max(0.447, 1) = 1; distractor: min(1.342, 1) = 1.
        fused.Select(p => p.Target).Should().Equal([0.1381966f, 0.1381966f, 0.6118034f, 0.6118034f], (x, y) => Math.Abs(x - y) < 1e-6f);

        // Swapping the kinds picks the other teacher.
        SampledPair[] swapped = [.. Pairs.Select(p => p with { Kind = p.Kind == PairKind.Positive ? PairKind.Distractor : PairKind.Positive })];
        ScoreFusion.Fuse(swapped, [A, B]).Select(p => (double)p.Target)
            .Should().Equal(new[] { -1.3416408, -0.4472136, 0.4472136, 1.3416408 }.Select(z => z * 0.2368034 + 0.375), (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void Weighted_fusion_normalizes_the_weights_and_weights_the_scale_too()
    {
        var fused = ScoreFusion.Fuse(Pairs, [A, B], new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [3, 1] });
        // w = (0.75, 0.25): μ̄ = 0.4375, σ̄ = 0.75·√0.05 + 0.25·0.25 = 0.2302051.
        double[] z = [0.75 * -1.3416408 + 0.25 * -1, 0.75 * -0.4472136 + 0.25 * -1, 0.75 * 0.4472136 + 0.25, 0.75 * 1.3416408 + 0.25];
        fused.Select(p => (double)p.Target).Should().Equal(z.Select(v => v * 0.2302051 + 0.4375), (x, y) => Math.Abs(x - y) < 1e-6);
    }

    [Fact]
    public void Targets_are_clamped_to_the_similarity_range_and_one_teacher_passes_through()
    {
        float[] wide = [-0.9f, -0.9f, 0.9f, 0.9f];
        float[] spiky = [-0.9f, -0.9f, -0.9f, 0.9f];
        var fused = ScoreFusion.Fuse(Pairs, [wide, spiky]);
        fused.Should().OnlyContain(p => p.Target >= -1 && p.Target <= 1);
        fused[1].Target.Should().Be(-1f); // min(−1, −0.577)·0.8397 − 0.225 = −1.065 before the clamp

        ScoreFusion.Fuse(Pairs, [A]).Select(p => p.Target).Should().Equal(A);
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        FluentActions.Invoking(() => ScoreFusion.Fuse(Pairs, [])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ScoreFusion.Fuse(Pairs, [A, new float[3]])).Should().Throw<ArgumentException>().WithMessage("*3 scores for 4 pairs*");
        FluentActions.Invoking(() => ScoreFusion.Fuse(Pairs, [A, B], new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [1] }))
            .Should().Throw<ArgumentException>().WithMessage("*1 weights for 2 teachers*");
        FluentActions.Invoking(() => ScoreFusion.Fuse(Pairs, [A, B], new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [1, -1] }))
            .Should().Throw<ArgumentException>();
    }
}
