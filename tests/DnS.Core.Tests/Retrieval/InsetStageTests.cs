using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Tests.Features;
using DnS.Core.Tests.Features.Extraction;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>
/// The inset stage after a ranking by the built-in chamfer (calibrated s/2 + 0.5), on the ffmpeg overlay clips of
/// <see cref="InsetFeatureTests"/> plus a clip with a re-encoded, rescaled copy: the insets the chamfer ranks low move
/// above every unrelated clip, a ranking without insets comes back unchanged, and the family test on hand-made features.
/// </summary>
public sealed class InsetStageTests(ITestOutputHelper output, InsetFeatureTests.Fixture fixture) : IClassFixture<InsetFeatureTests.Fixture>
{
    private const double Tier = 0.9;
    private readonly InsetFeatureTests.Fixture _fixture = fixture;

    [Fact]
    public async Task Insets_the_chamfer_ranks_low_move_above_every_unrelated_clip_and_a_ranking_without_insets_is_unchanged()
    {
        // A query with a plain near-duplicate (smaller, lower quality) and no inset anywhere in the library.
        string plain = _fixture.Path("plain"), plainCopy = _fixture.Path("plain_copy");
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "rgbtestsrc=s=320x180:r=5,hue=H=t,trim=duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", plain);
        VideoClips.Ffmpeg("-i", plain, "-vf", "scale=240:136", "-c:v", "libx264", "-crf", "35", "-pix_fmt", "yuv420p", plainCopy);
        var paths = _fixture.Names.ToDictionary(n => n, _fixture.Path);
        paths["plain"] = plain;
        paths["plain_copy"] = plainCopy;

        using var insetExtractor = new InsetFeatureExtractor();
        using var builtIn = new BuiltInFeatureExtractor();
        var inset = new Dictionary<string, RegionFeatures>();
        var chamferFeatures = new Dictionary<string, RegionFeatures>();
        foreach (var (name, path) in paths)
        {
            inset[name] = await insetExtractor.ExtractAsync(path);
            chamferFeatures[name] = await builtIn.ExtractAsync(path);
        }
        var stage = new InsetStage(inset);
        stage.Ids.Should().BeEquivalentTo(paths.Keys);
        var chamfer = DnsModels.BuiltIn(9, 128).Fine;
        (string Id, double Score)[] Ranking(string query) =>
            [.. paths.Keys.Select(n => (n, chamfer.Similarity(Fine(chamferFeatures[query]), Fine(chamferFeatures[n])) / 2.0 + 0.5)).OrderByDescending(p => p.Item2)];

        double apBefore = 0;
        for (int s = 0; s < 3; s++)
        {
            string query = $"source{s}";
            var insets = Enumerable.Range(0, 3).Select(i => $"inset{s}_{i}").ToHashSet();
            var before = Ranking(query);
            var after = stage.Rerank(before, stage.Score(inset[query]), Tier);
            output.WriteLine($"{query} before: " + string.Join(", ", before.Select(p => $"{p.Id} {p.Score:F3}")));
            output.WriteLine($"{query} after:  " + string.Join(", ", after.Select(p => $"{p.Id} {p.Score:F3}")));

            // After: the query itself, then its three insets, then the rest.
            apBefore += AveragePrecision(before.Skip(1), insets) / 3;
            after[0].Id.Should().Be(query);
            after.Skip(1).Take(3).Select(p => p.Id).Should().BeEquivalentTo(insets);
            // Only insets moved, each to just under the tier (17 clips: not 3 deviations above the rest); every other pair kept its score.
            var scoresBefore = before.ToDictionary(p => p.Id, p => p.Score);
            foreach (var (id, score) in after)
                if (insets.Contains(id)) score.Should().BeInRange(Math.Max(scoresBefore[id], Tier - 0.01), Tier);
                else score.Should().Be(scoresBefore[id]);
        }

        apBefore.Should().BeLessThan(0.8, "the chamfer alone does not see the insets");

        var plainBefore = Ranking("plain");
        plainBefore[1].Id.Should().Be("plain_copy");
        plainBefore[1].Score.Should().BeGreaterThan(Tier, "the plain copy is a confident match");
        stage.Rerank(plainBefore, stage.Score(inset["plain"]), Tier).Should().Equal(plainBefore);
    }

    [Fact]
    public void A_match_that_two_look_alikes_share_does_not_move_unless_they_are_confident_matches_and_a_far_outlier_moves_higher()
    {
        // One frame, a whole frame and one window, 2-d: the query's whole frame is e1; "inset" shows e1 in its window,
        // "double" and "triple" look exactly like it (same whole frame, same window); "other" shows e2.
        RegionFeatures Clip(float wholeX, float wholeY, float windowX, float windowY) => new([wholeX, wholeY, windowX, windowY], 1, 2, 2);
        var query = Clip(1, 0, 0, 1);
        var library = new Dictionary<string, RegionFeatures>
        {
            ["query"] = query,
            ["inset"] = Clip(0, 1, 1, 0),
            ["double"] = Clip(0, 1, 1, 0),
            ["triple"] = Clip(0, 1, 1, 0),
            ["other"] = Clip(0, 1, 0, 1),
        };
        var ranking = new (string Id, double Score)[] { ("query", 1.0), ("inset", 0.5), ("double", 0.4), ("triple", 0.3), ("other", 0.6) };
        var stage = new InsetStage(library);
        var scores = stage.Score(query);
        scores["inset"].Should().Be(1f);
        scores["other"].Should().Be(0f);

        // Each of the three has two look-alikes with the same inset score: none moves.
        stage.Rerank(ranking, scores, Tier).Should().Equal(ranking.OrderByDescending(p => p.Score));

        // One look-alike is allowed: without "triple", both move to 0.9 − 0.01·(1 − 1) = 0.9.
        var two = new InsetStage(library.Where(p => p.Key != "triple").ToDictionary());
        var pairs = two.Rerank([.. ranking.Where(p => p.Id != "triple")], two.Score(query), Tier).ToDictionary(p => p.Id, p => p.Score);
        pairs["inset"].Should().Be(Tier);
        pairs["double"].Should().Be(Tier);
        pairs["other"].Should().Be(0.6);

        // Look-alikes the ranking is confident about are copies of the query, not evidence against the match.
        var confident = new (string Id, double Score)[] { ("query", 1.0), ("inset", 0.5), ("double", 0.95), ("triple", 0.92), ("other", 0.6) };
        stage.Rerank(confident, scores, Tier).Select(p => (p.Id, p.Score)).Should().Equal(
            ("query", 1.0), ("double", 0.95), ("triple", 0.92), ("inset", Tier), ("other", 0.6));

        // Far above the query's own inset scores over the library (ten clips at 0: mean 1/12, 3 deviations ≈ 0.83), the
        // match moves just under the higher tier, 0.9 + 0.05 − 0.01·(1 − 1).
        var crowd = Enumerable.Range(0, 10).ToDictionary(i => $"other{i}", _ => Clip(0, 1, 0, 1));
        crowd["query"] = query;
        crowd["inset"] = library["inset"];
        var wide = new InsetStage(crowd);
        var wideRanking = crowd.Keys.Select(id => (id, id == "query" ? 1.0 : id == "inset" ? 0.5 : 0.6)).ToArray();
        var strong = wide.Rerank(wideRanking, wide.Score(query), Tier);
        strong[1].Id.Should().Be("inset");
        strong[1].Score.Should().BeApproximately(Tier + 0.05, 1e-12);
        strong.Skip(2).Should().OnlyContain(p => p.Score == 0.6);

        // Placed lower for a ranking whose copies score lower (the both features): strong to 0.9 − 0.05, the others to
        // 0.9 − 0.25, each − 0.01·(1 − 1); the family test still counts look-alikes from the tier.
        var both = new InsetStage(crowd, InsetStageOptions.ForBothFeatures);
        var placed = both.Rerank(wideRanking, both.Score(query), Tier);
        placed[1].Id.Should().Be("inset");
        placed[1].Score.Should().BeApproximately(Tier - 0.05, 1e-12);
        var weak = new InsetStage(library.Where(p => p.Key != "triple").ToDictionary(), InsetStageOptions.ForBothFeatures);
        var low = new (string Id, double Score)[] { ("query", 1.0), ("inset", 0.5), ("double", 0.7), ("other", 0.6) };
        weak.Rerank(low, weak.Score(query), Tier).Select(p => (p.Id, p.Score)).Should().Equal(
            ("query", 1.0), ("double", 0.7), ("inset", Tier - 0.25), ("other", 0.6));

        FluentActions.Invoking(() => stage.Rerank(ranking, new Dictionary<string, float> { ["inset"] = 1f }, Tier))
            .Should().Throw<ArgumentException>().WithMessage("*'double'*");
        FluentActions.Invoking(() => new InsetStage(new Dictionary<string, RegionFeatures> { ["a"] = query, ["b"] = new(new float[6], 1, 3, 2) }))
            .Should().Throw<ArgumentException>().WithMessage("*'b'*");
    }

    [Fact]
    public void A_query_moves_at_most_its_cap_of_pairs_and_those_are_the_highest_inset_scores()
    {
        // 8-d, one frame, a whole frame and one window. No two library clips look alike (each whole frame is its own axis);
        // clip i shows the query's whole frame (e0) in its window with cosine 1 − 0.02·i, so all six pass 0.76.
        const int d = 8;
        static float[] Unit(int axis, double weight = 1)
        {
            var v = new float[d];
            v[axis] = (float)weight;
            if (weight < 1) v[d - 1] = (float)Math.Sqrt(1 - weight * weight);
            return v;
        }
        var query = new RegionFeatures([.. Unit(0), .. Unit(d - 1)], 1, 2, d);
        var library = new Dictionary<string, RegionFeatures> { ["query"] = query };
        for (int i = 0; i < 6; i++) library[$"clip{i}"] = new RegionFeatures([.. Unit(1 + i), .. Unit(0, 1 - 0.02 * i)], 1, 2, d);
        var ranking = library.Keys.Select(id => (id, id == "query" ? 1.0 : 0.1)).ToArray();

        var unlimited = new InsetStage(library);
        var scores = unlimited.Score(query);
        scores["clip5"].Should().BeApproximately(0.9f, 1e-5f);
        unlimited.Rerank(ranking, scores, Tier).Skip(1).Should().OnlyContain(p => p.Score > 0.5);

        var capped = new InsetStage(library, InsetStageOptions.Default with { MaxMovesPerQuery = 2 });
        var after = capped.Rerank(ranking, scores, Tier).ToDictionary(p => p.Id, p => p.Score);
        after.Where(p => p.Value > 0.5).Select(p => p.Key).Should().BeEquivalentTo("query", "clip0", "clip1");
        after.Where(p => p.Value == 0.1).Select(p => p.Key).Should().BeEquivalentTo("clip2", "clip3", "clip4", "clip5");

        FluentActions.Invoking(() => new InsetStage(library, InsetStageOptions.Default with { MaxMovesPerQuery = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxMovesPerQuery");
        FluentActions.Invoking(() => new InsetStage(library, InsetStageOptions.Default with { Threshold = float.NaN }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Threshold");
    }

    private static double AveragePrecision(IEnumerable<(string Id, double Score)> ranking, IReadOnlySet<string> relevant)
    {
        double sum = 0;
        int hits = 0, rank = 0;
        foreach (var (id, _) in ranking)
        {
            rank++;
            if (relevant.Contains(id)) sum += ++hits / (double)rank;
        }
        return sum / relevant.Count;
    }

    private static FineFeatures Fine(RegionFeatures f) => FineFeatures.Wrap(f.Values, f.Regions, f.Dimensions);
}
