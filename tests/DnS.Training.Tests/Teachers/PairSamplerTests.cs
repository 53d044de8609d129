using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Teachers;

public sealed class PairSamplerTests
{
    private static readonly GroupedCorpus Corpus = new(groups: 10, membersPerGroup: 4);

    [Fact]
    public async Task Same_seed_gives_the_same_pairs_and_another_seed_other_anchors()
    {
        var teacher = ChamferTeacher.For(Corpus);
        var options = new PairSamplerOptions { AnchorCount = 6, MaxPositives = 2, AnchorNegatives = 5, Distractors = 5, Seed = 7 };
        var first = await new PairSampler(options).SampleAsync(Corpus, teacher);
        var second = await new PairSampler(options).SampleAsync(Corpus, teacher);
        var other = await new PairSampler(options with { Seed = 8 }).SampleAsync(Corpus, teacher);

        second.Should().Equal(first);
        other.Select(p => p.Anchor).Distinct().Should().NotEqual(first.Select(p => p.Anchor).Distinct());
        new PairSampler(options).ChooseAnchors(Corpus.Count).Should().Equal(first.Select(p => p.Anchor).Distinct());
    }

    [Theory]
    [InlineData(0)]   // the teacher scores every video
    [InlineData(6)]   // coarse pre-ranking, then the teacher re-scores 6 candidates
    public async Task Every_anchor_gets_its_counts_and_kinds_by_the_rule(int candidates)
    {
        var options = new PairSamplerOptions { AnchorCount = 8, MaxPositives = 3, AnchorNegatives = 5, Distractors = 6, Candidates = candidates, Seed = 3 };
        var teacher = ChamferTeacher.For(Corpus);
        var pairs = await new PairSampler(options).SampleAsync(Corpus, teacher);

        var anchors = pairs.Select(p => p.Anchor).Distinct().ToArray();
        anchors.Should().HaveCount(8).And.BeInAscendingOrder();
        var positives = pairs.Where(p => p.Kind == PairKind.Positive).ToLookup(p => p.Anchor, p => p.Other);
        var related = anchors.Concat(positives.SelectMany(g => g)).ToHashSet();
        foreach (int anchor in anchors)
        {
            var own = pairs.Where(p => p.Anchor == anchor).ToArray();
            own.Count(p => p.Kind == PairKind.Positive).Should().Be(3);
            own.Count(p => p.Kind == PairKind.AnchorNegative).Should().Be(5);
            own.Count(p => p.Kind == PairKind.Distractor).Should().Be(6);
            // Hard candidates only come from a candidate pool: its 6 minus the 3 positives, in the teacher's order, none
            // above a positive.
            var hard = own.Where(p => p.Kind == PairKind.HardCandidate).Select(p => teacher.Score(Corpus, anchor, p.Other)).ToArray();
            hard.Should().HaveCount(candidates == 0 ? 0 : 3).And.BeInDescendingOrder();
            if (hard.Length > 0) hard[0].Should().BeLessThanOrEqualTo(positives[anchor].Min(v => teacher.Score(Corpus, anchor, v)));
            own.Select(p => p.Other).Should().OnlyHaveUniqueItems().And.NotContain(anchor);
            // The 3 siblings of the anchor are the teacher's top 3.
            positives[anchor].Select(Corpus.GroupOf).Should().AllBeEquivalentTo(Corpus.GroupOf(anchor));
            own.Where(p => p.Kind == PairKind.AnchorNegative).Should().OnlyContain(p => related.Contains(p.Other) && !positives[anchor].Contains(p.Other));
            own.Where(p => p.Kind == PairKind.Distractor).Should().OnlyContain(p => !related.Contains(p.Other));
        }
    }

    [Fact]
    public async Task Counts_are_capped_by_the_corpus()
    {
        var small = new GroupedCorpus(groups: 3, membersPerGroup: 2, seed: 5);
        var options = new PairSamplerOptions { AnchorCount = 2, MaxPositives = 1, AnchorNegatives = 50, Distractors = 50, Seed = 1 };
        var pairs = await new PairSampler(options).SampleAsync(small, ChamferTeacher.For(small));

        foreach (var group in pairs.GroupBy(p => p.Anchor))
        {
            // 6 videos: the anchor, its positive, and 4 others split between anchor negatives and distractors.
            group.Count(p => p.Kind == PairKind.Positive).Should().Be(1);
            group.Count(p => p.Kind != PairKind.Positive).Should().Be(4);
        }
        var all = new PairSampler(options with { AnchorCount = 100 });
        all.ChooseAnchors(small.Count).Should().Equal(0, 1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task A_threshold_keeps_only_positives_the_teacher_scores_at_least_that_high()
    {
        var teacher = ChamferTeacher.For(Corpus);
        const float threshold = 0.7f;
        var options = new PairSamplerOptions { AnchorFraction = 0.5, MaxPositives = 10, PositiveThreshold = threshold, Seed = 2 };
        var pairs = await new PairSampler(options).SampleAsync(Corpus, teacher);

        var positives = pairs.Where(p => p.Kind == PairKind.Positive).ToArray();
        pairs.Select(p => p.Anchor).Distinct().Should().HaveCount(20);
        positives.Should().OnlyContain(p => teacher.Score(Corpus, p.Anchor, p.Other) >= threshold);
        // Siblings score ≈ 0.9 and strangers 0.27–0.44 with this noise, so exactly the 3 siblings pass.
        positives.Should().HaveCount(20 * 3).And.OnlyContain(p => Corpus.GroupOf(p.Anchor) == Corpus.GroupOf(p.Other));
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        FluentActions.Invoking(() => new PairSampler(new PairSamplerOptions { AnchorFraction = 0 })).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new PairSampler(new PairSamplerOptions { AnchorCount = 0 })).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new PairSampler(new PairSamplerOptions { Distractors = -1 })).Should().Throw<ArgumentOutOfRangeException>();
    }
}
