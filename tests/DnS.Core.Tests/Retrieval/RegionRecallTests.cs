using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Tests.Features.Extraction;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>
/// Region picks (<see cref="SelectorPolicy.RegionPicks"/>) against a slow oracle written here: the policy's budget minus
/// M by its own rule, plus the M best of the rest by max over a video's region means (over frames) of the cosine with the
/// query's mean descriptor, computed in double from the stored fine features (floats, or bits as ±1).
/// </summary>
public sealed class RegionRecallTests(ITestOutputHelper output, InsetFeatureTests.Fixture fixture) : IClassFixture<InsetFeatureTests.Fixture>
{
    private const int Regions = 9, Frames = 3, Videos = 60;

    [Fact]
    public async Task A_center_inset_that_the_coarse_scan_ranks_low_is_a_region_pick()
    {
        // Real clips (ffmpeg overlay, built-in descriptor): the library holds the backgrounds and the nine insets, not the
        // sources. A center inset shows its source inside the center crop, so one region of that clip looks like the
        // source while the clip's coarse vector is mostly background.
        var models = DnsModels.BuiltIn(9, 128);
        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models));
        using var extractor = new BuiltInFeatureExtractor();
        var records = new Dictionary<string, VideoRecord>();
        foreach (string name in fixture.Names)
        {
            var features = await extractor.ExtractAsync(fixture.Path(name));
            records[name] = VideoRecordFactory.Create(models, name, features.Values);
            if (!name.StartsWith("source", StringComparison.Ordinal)) await store.AddAsync(records[name]);
        }
        await store.CommitAsync();
        var engine = new RetrievalEngine(models, store);

        // Source 1 (a test pattern) shown at 1/9 of the area in the center of a cellular automaton: the coarse top 2 are
        // other clips, and the region pick that replaces the second is the inset.
        var query = records["source1"];
        var coarseTop = engine.ScoreAll(query, SelectorPolicy.TopK(2));
        var withRegions = engine.ScoreAll(query, SelectorPolicy.Parse("topk:2+regions:1"));
        string[] Reranked(StoreScores scores) => [.. Enumerable.Range(0, scores.Ids.Length).Where(o => !float.IsNaN(scores.Fine[o])).Select(o => scores.Ids[o])];
        output.WriteLine($"coarse top 2: {string.Join(", ", Reranked(coarseTop))}; with a region pick: {string.Join(", ", Reranked(withRegions))}");
        Reranked(coarseTop).Should().HaveCount(2).And.NotContain("inset1_1");
        Reranked(withRegions).Should().HaveCount(2).And.Contain("inset1_1");
        Reranked(withRegions).Should().Contain(Reranked(coarseTop).OrderByDescending(id => coarseTop.Coarse[Array.IndexOf(coarseTop.Ids, id)]).First());
    }

    [Theory]
    [InlineData(false, 16, false)]
    [InlineData(true, 16, false)]
    [InlineData(true, 20, false)] // a code whose last byte is partly padding
    [InlineData(false, 16, true)]
    [InlineData(true, 20, true)]
    public async Task Region_picks_are_the_best_region_matches_the_coarse_shortlist_left_out(bool binary, int dims, bool stored)
    {
        Dims = dims;
        var models = DnsModels.BuiltIn(Regions, Dims, binary);
        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models) with { RegionMeans = stored });
        var random = new Random(7);
        var query = Video(random);
        for (int v = 0; v < Videos; v++)
        {
            var video = Video(random);
            // Every fifth video shows the query's frames in one region (an "inset"): its region mean is the query's.
            if (v % 5 == 0)
                for (int t = 0; t < Frames; t++)
                    Array.Copy(query, (t * Regions + v / 5 % Regions) * Dims, video, (t * Regions + (v / 5 + 3) % Regions) * Dims, Dims);
            await store.AddAsync(VideoRecordFactory.Create(models, $"v{v:D2}", video));
        }
        await store.CommitAsync();
        var queryRecord = VideoRecordFactory.Create(models, "query", query);
        var engine = new RetrievalEngine(models, store);

        var policy = SelectorPolicy.Parse("topk:12+regions:4");
        var scores = engine.ScoreAll(queryRecord, policy);

        var byCoarse = Enumerable.Range(0, Videos).OrderByDescending(o => scores.Coarse[o]).Take(8).ToArray();
        var global = Normalize(Sum(Means(queryRecord, store.Schema)));
        var byRegion = Enumerable.Range(0, Videos).Except(byCoarse).OrderByDescending(o => RegionScore(global, store.GetRecord(o), store.Schema)).Take(4);
        var selected = Enumerable.Range(0, Videos).Where(o => !float.IsNaN(scores.Fine[o])).ToArray();
        selected.Should().BeEquivalentTo(byCoarse.Concat(byRegion));
        scores.Statistics.FinePairs.Should().Be(12);

        // Without region picks the same budget is the coarse top 12; with all 12 as region picks, the best 12 by region.
        var plain = engine.ScoreAll(queryRecord, SelectorPolicy.TopK(12));
        Enumerable.Range(0, Videos).Where(o => !float.IsNaN(plain.Fine[o]))
            .Should().BeEquivalentTo(Enumerable.Range(0, Videos).OrderByDescending(o => plain.Coarse[o]).Take(12));
        var regionsOnly = engine.ScoreAll(queryRecord, SelectorPolicy.TopK(12).WithRegionPicks(12));
        Enumerable.Range(0, Videos).Where(o => !float.IsNaN(regionsOnly.Fine[o])).Should().BeEquivalentTo(
            Enumerable.Range(0, Videos).OrderByDescending(o => RegionScore(global, store.GetRecord(o), store.Schema)).Take(12));
    }

    [Fact]
    public void Policies_with_region_picks_parse_print_and_refuse_what_has_no_budget()
    {
        var policy = SelectorPolicy.Parse("dns:0.05+regions:5");
        policy.Kind.Should().Be(SelectionKind.SelectorFraction);
        policy.RegionPicks.Should().Be(5);
        policy.ToString().Should().Be("dns:0.05+regions:5");
        SelectorPolicy.Parse(policy.ToString()).Should().Be(policy);
        SelectorPolicy.Parse("topk:30").RegionPicks.Should().Be(0);
        SelectorPolicy.TopK(30).WithRegionPicks(5).Should().Be(SelectorPolicy.Parse("topk:30+regions:5"));

        foreach (var text in new[] { "coarse+regions:5", "fine+regions:1", "threshold:0.5+regions:2", "topk:3+regions:4", "dns:0.05+regions:x", "dns:0.05+regions:-1", "dns:0.05+areas:5" })
            FluentActions.Invoking(() => SelectorPolicy.Parse(text)).Should().Throw<FormatException>().WithMessage($"*{text}*");
        FluentActions.Invoking(() => SelectorPolicy.CoarseOnly.WithRegionPicks(1)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => SelectorPolicy.TopK(3).WithRegionPicks(4)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private int Dims { get; set; }

    /// <summary>Max over the video's region means of the cosine with the query's mean; with stored region means, of the
    /// int8 dot product of both quantized (round-half-even of x · 127 / max|x|) times their scales.</summary>
    private double RegionScore(double[] global, VideoRecord record, StoreSchema schema)
    {
        var means = Means(record, schema).Select(Normalize).ToArray();
        if (!schema.RegionMeans) return means.Max(m => Dot(global, m));
        var (query, queryScale) = Quantize(global);
        return means.Max(m =>
        {
            var (codes, scale) = Quantize(m);
            return query.Zip(codes, (a, b) => (double)(a * b)).Sum() * scale * queryScale;
        });
    }

    private static (int[] Codes, double Scale) Quantize(double[] v)
    {
        double max = v.Max(Math.Abs);
        return ([.. v.Select(x => (int)Math.Round(x * 127 / max, MidpointRounding.ToEven))], max / 127);
    }

    private float[] Video(Random random)
    {
        var video = new float[Frames * Regions * Dims];
        for (int i = 0; i < video.Length; i++) video[i] = (float)(random.NextDouble() * 2 - 1);
        return video;
    }

    // Per region, the sum over frames of the stored fine vectors (bits as ±1).
    private double[][] Means(VideoRecord record, StoreSchema schema)
    {
        var sums = Enumerable.Range(0, Regions).Select(_ => new double[Dims]).ToArray();
        int words = (Dims + 63) / 64;
        for (int t = 0; t < record.Frames; t++)
            for (int r = 0; r < Regions; r++)
                for (int i = 0; i < Dims; i++)
                    sums[r][i] += schema.FineKind == FineFeatureKind.Float
                        ? record.FineFloats.Span[(t * Regions + r) * Dims + i]
                        : (record.FineCodes.Span[(t * Regions + r) * words + i / 64] & (1UL << (i % 64))) != 0 ? 1 : -1;
        return sums;
    }

    private double[] Sum(double[][] rows) => [.. Enumerable.Range(0, Dims).Select(i => rows.Sum(row => row[i]))];

    private static double[] Normalize(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
