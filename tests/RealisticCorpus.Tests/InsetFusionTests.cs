using DnS.Core.Evaluation;
using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>The inset fusion on hand-made scores: inset matches join just under the cascade's confident tier, nothing else moves.</summary>
public sealed class InsetFusionTests
{
    [Fact]
    public void Confident_inset_matches_move_just_under_the_tier_and_nothing_else_changes()
    {
        var merged = new SimilarityResults();
        merged.Add("q", [("copy", 0.95), ("inset", 0.40), ("weak", 0.50), ("distractor", 0.60)]);
        var inset = new SimilarityResults();
        inset.Add("q", [("copy", 0.99), ("inset", 0.90), ("weak", 0.79), ("distractor", 0.30)]);

        var fused = InsetScores.Fuse(merged, inset, tier: 0.9, threshold: 0.8);

        // copy: above the tier, kept; inset: 0.9 − 0.01·(1 − 0.9) = 0.899; weak: under the threshold, kept; distractor: kept.
        var scores = fused["q"]!.ToDictionary(e => e.Id, e => e.Score);
        scores["copy"].Should().Be(0.95);
        scores["inset"].Should().BeApproximately(0.899, 1e-12);
        scores["weak"].Should().Be(0.50);
        scores["distractor"].Should().Be(0.60);
        fused["q"]!.Select(e => e.Id).Should().Equal("copy", "inset", "weak", "distractor");
    }
}
