using DnS.Core.Evaluation;
using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>Per-edit AP on hand-made rankings whose APs are worked out here.</summary>
public sealed class PerEditEvaluationTests
{
    private static readonly CopyLabel[] Copies =
    [
        new("a1", "qa", "crop", "ND", "photo"), new("a2", "qa", "flip", "ND", "photo"), new("a3", "qa", "partial", "DS", "photo"),
        new("b1", "qb", "crop", "ND", "game"), new("b2", "qb", "flip", "ND", "game"),
    ];

    [Fact]
    public async Task Other_related_copies_are_left_out_of_each_edit_ranking()
    {
        var results = new SimilarityResults();
        // qa: flip first, then two distractors, then crop, then the partial copy.
        results.Add("qa", [("a2", 0.9), ("d1", 0.8), ("d2", 0.7), ("a1", 0.6), ("a3", 0.5), ("b1", 0.4)]);
        // qb: crop first, distractor, flip.
        results.Add("qb", [("b1", 0.9), ("d1", 0.8), ("b2", 0.7), ("a1", 0.1)]);
        var rows = (await PerEditEvaluation.EvaluateAsync(results, Copies, CancellationToken.None)).ToDictionary(r => r.Edit);

        // crop: qa ranks d1, d2, a1 (a2 and a3 removed) → 1/3; qb ranks b1 first → 1. Mean 2/3.
        rows["crop"].MeanAveragePrecision.Should().BeApproximately(2.0 / 3, 1e-12);
        // flip: qa → 1; qb ranks d1 then b2 (b1 removed) → 1/2. Mean 3/4.
        rows["flip"].MeanAveragePrecision.Should().BeApproximately(0.75, 1e-12);
        // partial (qa only): d1, d2, a3 → 1/3.
        rows["partial"].MeanAveragePrecision.Should().BeApproximately(1.0 / 3, 1e-12);
        rows["partial"].Queries.Should().Be(1);
        rows.Keys.Should().Equal("crop", "flip", "partial");
    }
}
