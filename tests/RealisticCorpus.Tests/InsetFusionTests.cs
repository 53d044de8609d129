using DnS.Core.Evaluation;
using DnS.Core.Features;
using DnS.Core.Retrieval;
using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>The sample's fusion runs the library's inset stage query by query over FIVR-format results.</summary>
public sealed class InsetFusionTests
{
    [Fact]
    public void Each_query_is_re_ranked_by_the_inset_stage_and_a_query_without_inset_scores_is_refused()
    {
        // One frame of a whole frame and one window, 2-d: "inset" shows the query's whole frame (e1) in its window.
        RegionFeatures Clip(float wholeX, float wholeY, float windowX, float windowY) => new([wholeX, wholeY, windowX, windowY], 1, 2, 2);
        var stage = new InsetStage(new Dictionary<string, RegionFeatures>
        {
            ["q"] = Clip(1, 0, 0, 1),
            ["inset"] = Clip(0, 1, 1, 0),
            ["copy"] = Clip(1, 0, 0, 1),
            ["distractor"] = Clip(0, 1, 0, 1),
        });
        var merged = new SimilarityResults();
        merged.Add("q", [("q", 1.0), ("copy", 0.95), ("inset", 0.40), ("distractor", 0.60)]);
        var inset = new SimilarityResults();
        inset.Add("q", [.. stage.Score(Clip(1, 0, 0, 1)).Select(p => (p.Key, (double)p.Value))]);

        var fused = InsetScores.Fuse(stage, merged, inset, tier: 0.9);

        // inset: score 1 → 0.9 − 0.01·(1 − 1) = 0.9; the confident pairs and the distractor keep their scores.
        fused["q"]!.Should().Equal(("q", 1.0), ("copy", 0.95), ("inset", 0.9), ("distractor", 0.60));
        merged.Add("other", [("q", 0.5)]);
        FluentActions.Invoking(() => InsetScores.Fuse(stage, merged, inset, tier: 0.9)).Should().Throw<ArgumentException>().WithMessage("*'other'*");
    }
}
