using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Retrieval;

/// <summary>The cascade on the golden networks and videos: v4 is a near-copy of frames 9..20 of v3.</summary>
public sealed class RetrievalEngineTests
{
    private static readonly string[] VideoIds = ["v0", "v1", "v2", "v3", "v4"];

    internal static DnsModels Models(string fine)
    {
        using var coarse = SafeTensorsFile.Open(SharedData.Golden("cg_student.weights.safetensors"));
        using var fineWeights = SafeTensorsFile.Open(SharedData.Golden($"{fine}.weights.safetensors"));
        using var selector = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"));
        return new DnsModels(
            CoarseGrainedStudent.Load(coarse, new CoarseGrainedStudentConfig { TransformerHeads = 8 }),
            FineGrainedStudent.Load(fineWeights),
            SelectorNetwork.Load(selector));
    }

    private static async Task<(DnsModels, InMemoryVideoStore, Dictionary<string, VideoRecord>)> Library(string fine)
    {
        var models = Models(fine);
        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models));
        var records = new Dictionary<string, VideoRecord>();
        using var videos = SafeTensorsFile.Open(SharedData.Golden("videos.safetensors"));
        foreach (var id in VideoIds)
        {
            records[id] = VideoRecordFactory.Create(models, id, videos.GetFloatSpan(id));
            await store.AddAsync(records[id]);
        }
        await store.CommitAsync();
        return (models, store, records);
    }

    [Theory]
    [InlineData("fg_att_student")]
    [InlineData("fg_bin_student")]
    public async Task Fine_only_scores_equal_the_students_similarity_mapped_to_unit_range(string fine)
    {
        var (models, store, records) = await Library(fine);
        var engine = new RetrievalEngine(models, store);

        var scores = engine.ScoreAll(records["v3"], SelectorPolicy.FineOnly);

        scores.Statistics.FinePairs.Should().Be(5);
        for (int o = 0; o < store.Count; o++)
        {
            var target = records[store.GetRecord(o).Id];
            var qf = models.Fine.IndexVideo(GoldenVideo("v3"));
            var tf = models.Fine.IndexVideo(GoldenVideo(target.Id));
            float expected = models.Fine.Similarity(qf, tf);
            scores.Fine[o].Should().Be(expected);
            scores.Merged[o].Should().Be(expected / 2 + 0.5f);
            scores.Coarse[o].Should().BeApproximately(System.Numerics.Tensors.TensorPrimitives.Dot(records["v3"].Coarse.Span, target.Coarse.Span), 1e-6f);
        }
        var result = engine.Search("v3", SelectorPolicy.FineOnly, top: 10);
        result.Hits.Should().HaveCount(4, "the query itself is not a hit");
        // The golden weights are random (they pin arithmetic, not quality), so check the ranking against the scores.
        foreach (var hit in result.Hits) hit.Score.Should().Be(scores.Merged[store.Ids.ToList().IndexOf(hit.Id)]);
        result.Hits.Should().BeInDescendingOrder(h => h.Score).And.OnlyContain(h => h.Stage == ScoringStage.Fine);
    }

    [Fact]
    public async Task Policies_select_the_documented_pairs()
    {
        var (models, store, records) = await Library("fg_att_student");
        var engine = new RetrievalEngine(models, store);
        var query = records["v2"];

        var coarse = engine.ScoreAll(query, SelectorPolicy.CoarseOnly);
        coarse.Statistics.Should().Match<StageStatistics>(s => s.CoarsePairs == 5 && s.FinePairs == 0 && s.SelectorPairs == 0);
        coarse.Merged.Should().Equal(coarse.Coarse);

        var topk = engine.ScoreAll(query, SelectorPolicy.TopK(2));
        topk.Statistics.FinePairs.Should().Be(2);
        var reranked = Enumerable.Range(0, 5).Where(o => !float.IsNaN(topk.Fine[o])).ToArray();
        var twoBest = Enumerable.Range(0, 5).OrderByDescending(o => coarse.Coarse[o]).Take(2).ToArray();
        reranked.Should().BeEquivalentTo(twoBest);
        foreach (int o in reranked) topk.Merged[o].Should().Be(topk.Fine[o] / 2 + 1.5f, "the shortlist stays on top");
        Enumerable.Range(0, 5).Except(reranked).Should().OnlyContain(o => topk.Merged[o] == coarse.Coarse[o] && topk.Merged[o] < 1f);

        var dns = engine.ScoreAll(query, SelectorPolicy.SelectorFraction(0.4));
        dns.Statistics.SelectorPairs.Should().Be(5);
        dns.Statistics.FinePairs.Should().Be(2, "ceil(0.4 × 5)");
        var probabilities = Enumerable.Range(0, 5).Select(o => models.Selector!.Score(query.SelfSimilarity, store.GetRecord(o).SelfSimilarity, coarse.Coarse[o])).ToArray();
        var selected = Enumerable.Range(0, 5).Where(o => !float.IsNaN(dns.Fine[o])).ToArray();
        selected.Should().BeEquivalentTo(Enumerable.Range(0, 5).OrderByDescending(o => probabilities[o]).Take(2));

        float threshold = probabilities.Order().ElementAt(2);
        var byThreshold = engine.ScoreAll(query, SelectorPolicy.SelectorThreshold(threshold));
        byThreshold.Statistics.FinePairs.Should().Be(probabilities.Count(p => p >= threshold));
    }

    [Fact]
    public async Task Re_ranked_scores_merge_by_the_models_fine_calibration_and_kept_scores_move_by_the_querys_median_difference()
    {
        var (reference, store, records) = await Library("fg_att_student");
        var query = records["v2"];
        var policy = SelectorPolicy.SelectorFraction(0.4);
        var baseline = new RetrievalEngine(reference, store).ScoreAll(query, policy);
        store.TryGetOrdinal("v2", out int self).Should().BeTrue();
        var reranked = Enumerable.Range(0, 5).Where(o => !float.IsNaN(baseline.Fine[o])).ToArray();
        var kept = Enumerable.Range(0, 5).Where(o => o != self && float.IsNaN(baseline.Fine[o])).ToArray();
        reranked.Should().HaveCountGreaterThan(1);
        kept.Should().NotBeEmpty();

        // Re-ranked pairs take the calibrated fine score; kept ones their coarse score plus the median of (calibrated fine −
        // coarse) over the re-ranked pairs, so a flat map above (below) every kept coarse score no longer decides where the
        // re-ranked videos land: both offsets give the same ranking.
        float keptMax = kept.Max(o => baseline.Coarse[o]), keptMin = kept.Min(o => baseline.Coarse[o]);
        var rankings = new List<string[]>();
        foreach (var calibration in new[] { new FineScoreCalibration(0.01f, keptMax + 0.05f), new FineScoreCalibration(0.01f, keptMin - 0.05f) })
        {
            var engine = new RetrievalEngine(new DnsModels(reference.Coarse, reference.Fine, reference.Selector, calibration), store);
            var scores = engine.ScoreAll(query, policy);
            scores.Fine.Should().Equal(baseline.Fine);
            var differences = reranked.Select(o => (double)(0.01f * baseline.Fine[o] + calibration.Offset) - baseline.Coarse[o]).Order().ToArray();
            int n = differences.Length;
            double median = n % 2 == 1 ? differences[n / 2] : (differences[n / 2 - 1] + differences[n / 2]) / 2;
            foreach (int o in reranked) scores.Merged[o].Should().BeApproximately(0.01f * baseline.Fine[o] + calibration.Offset, 1e-6f);
            foreach (int o in kept) scores.Merged[o].Should().BeApproximately((float)(baseline.Coarse[o] + median), 1e-5f);
            rankings.Add([.. engine.Search(query, policy, top: 10).Hits.Select(h => h.Id)]);
        }
        rankings[1].Should().Equal(rankings[0]);

        // Top-K lifts the calibrated shortlist by 1 − Map(−1): with the identity map, fine + 2 ∈ [1, 3], still above every coarse score.
        var identity = new RetrievalEngine(new DnsModels(reference.Coarse, reference.Fine, reference.Selector, new FineScoreCalibration(1, 0)), store);
        var topk = identity.ScoreAll(query, SelectorPolicy.TopK(2));
        for (int o = 0; o < 5; o++)
        {
            if (float.IsNaN(topk.Fine[o])) topk.Merged[o].Should().Be(topk.Coarse[o]).And.BeLessThan(1f);
            else topk.Merged[o].Should().BeApproximately(topk.Fine[o] + 2, 1e-6f).And.BeGreaterThanOrEqualTo(1f);
        }
    }

    [Fact]
    public async Task Removed_videos_are_never_hits_and_mismatched_stores_are_refused()
    {
        var models = Models("fg_att_student");
        await using var store = await FileVideoStore.CreateOrOpenAsync(Path.Combine(Path.GetTempPath(), $"dns-engine-{Guid.NewGuid():N}"), VideoRecordFactory.SchemaOf(models));
        try
        {
            foreach (var id in VideoIds) await store.AddAsync(VideoRecordFactory.Create(models, id, GoldenVideo(id)));
            await store.CommitAsync();
            await store.RemoveAsync("v4");
            await store.AddAsync(VideoRecordFactory.Create(models, "v1", GoldenVideo("v1")));
            await store.CommitAsync();

            var result = new RetrievalEngine(models, store).Search("v3", SelectorPolicy.FineOnly, top: 10);
            result.Hits.Select(h => h.Id).Should().BeEquivalentTo(["v0", "v1", "v2"]);
            result.Statistics.FinePairs.Should().Be(4);
        }
        finally
        {
            Directory.Delete(store.Directory, recursive: true);
        }

        var binaryStore = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(Models("fg_bin_student")));
        var act = () => new RetrievalEngine(models, binaryStore);
        act.Should().Throw<ArgumentException>().WithMessage("*Binary*Float*");
    }

    [Fact]
    public async Task Batch_search_equals_one_by_one_search()
    {
        var (models, store, records) = await Library("fg_bin_student");
        var engine = new RetrievalEngine(models, store);
        var queries = VideoIds.Select(id => records[id]).ToArray();
        var batch = engine.SearchBatch(queries, SelectorPolicy.TopK(3), top: 3);
        for (int i = 0; i < queries.Length; i++)
            batch[i].Hits.Should().Equal(engine.Search(queries[i], SelectorPolicy.TopK(3), top: 3).Hits);
    }

    [Theory]
    [InlineData("coarse", SelectionKind.CoarseOnly, 0)]
    [InlineData("fine", SelectionKind.FineOnly, 0)]
    [InlineData("topk:50", SelectionKind.TopK, 50)]
    [InlineData("dns:0.05", SelectionKind.SelectorFraction, 0.05)]
    [InlineData("threshold:0.5", SelectionKind.SelectorThreshold, 0.5)]
    public void Policies_parse_from_their_cli_form(string text, SelectionKind kind, double parameter)
    {
        var policy = SelectorPolicy.Parse(text);
        policy.Kind.Should().Be(kind);
        policy.Parameter.Should().Be(parameter);
        SelectorPolicy.Parse(policy.ToString()).Should().Be(policy);
    }

    [Theory]
    [InlineData("dns:1.5", "*fraction must be in ?0, 1?*")]
    [InlineData("topk", "*needs a number*")]
    [InlineData("best", "*unknown policy*")]
    [InlineData("topk:1e10", "*K must be a whole number*")]
    [InlineData("topk:NaN", "*K must be a whole number*")]
    [InlineData("topk:-1", "*K must be a whole number*")]
    [InlineData("topk:2.5", "*K must be a whole number*")]
    [InlineData("topk:Infinity", "*K must be a whole number*")]
    [InlineData("dns:2", "*fraction must be in ?0, 1?*")]
    [InlineData("dns:NaN", "*fraction must be in ?0, 1?*")]
    [InlineData("dns:-0.1", "*fraction must be in ?0, 1?*")]
    [InlineData("threshold:Infinity", "*probability must be in ?0, 1?*")]
    [InlineData("threshold:-Infinity", "*probability must be in ?0, 1?*")]
    [InlineData("threshold:NaN", "*probability must be in ?0, 1?*")]
    [InlineData("threshold:Inf", "*needs a number*")]
    public void Bad_policies_fail_with_format_errors_naming_the_policy(string text, string reason) =>
        ((Action)(() => SelectorPolicy.Parse(text))).Should().Throw<FormatException>()
            .WithMessage($"*'{text}'*").WithMessage(reason);

    [Theory]
    [InlineData("fine+insets", "fine", 0)]
    [InlineData("topk:60+insets", "topk:60", 0)]
    [InlineData("topk:60+regions:10+insets", "topk:60", 10)]
    [InlineData("dns:0.05+regions:5+INSETS", "dns:0.05", 5)]
    public void The_inset_stage_parses_after_any_policy_and_an_engine_refuses_it(string text, string basePolicy, int regionPicks)
    {
        var policy = SelectorPolicy.Parse(text);
        policy.Insets.Should().BeTrue();
        policy.RegionPicks.Should().Be(regionPicks);
        policy.WithInsets(false).Should().Be(regionPicks == 0 ? SelectorPolicy.Parse(basePolicy) : SelectorPolicy.Parse(basePolicy).WithRegionPicks(regionPicks));
        SelectorPolicy.Parse(policy.ToString()).Should().Be(policy);
        policy.ToString().Should().EndWith("+insets");
        SelectorPolicy.Parse(basePolicy).Insets.Should().BeFalse();

        var models = DnsModels.BuiltIn(regions: 1, dims: 8);
        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models));
        var query = VideoRecordFactory.Create(models, "q", [1f, 0, 0, 0, 0, 0, 0, 0]);
        FluentActions.Invoking(() => new RetrievalEngine(models, store).Search(query, policy, 5)).Should().Throw<ArgumentException>().WithMessage("*inset*VideoLibrary*");
    }

    [Theory]
    [InlineData("topk:5+insets+regions:2")]
    [InlineData("topk:5+insets+insets")]
    [InlineData("fine+inset")]
    [InlineData("coarse+regions:1+insets")]
    public void Misplaced_or_misspelled_inset_suffixes_fail_naming_the_policy(string text) =>
        FluentActions.Invoking(() => SelectorPolicy.Parse(text)).Should().Throw<FormatException>().WithMessage($"*'{text}'*");

    [Fact]
    public void The_factories_validate_like_parse()
    {
        ((Action)(() => SelectorPolicy.TopK(-1))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("K must be a whole number*");
        ((Action)(() => SelectorPolicy.SelectorFraction(double.NaN))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("the fraction must be in ?0, 1?*");
        ((Action)(() => SelectorPolicy.SelectorThreshold(double.PositiveInfinity))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("the probability must be in ?0, 1?*");
        SelectorPolicy.TopK(int.MaxValue).Parameter.Should().Be(int.MaxValue);
        SelectorPolicy.Parse("topk:2147483647").Should().Be(SelectorPolicy.TopK(int.MaxValue));
        SelectorPolicy.Parse("dns:1").Should().Be(SelectorPolicy.SelectorFraction(1));
    }

    [Theory]
    [InlineData("coarse")]
    [InlineData("topk:8")]
    [InlineData("fine")]
    public async Task Search_allocates_no_array_of_the_library_size(string policyText)
    {
        const int videos = 40_000;
        var models = DnsModels.BuiltIn(regions: 1, dims: 8);
        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models));
        var random = new Random(7);
        var features = new float[8];
        for (int n = 0; n < videos; n++)
        {
            for (int d = 0; d < features.Length; d++) features[d] = random.NextSingle() - 0.5f;
            await store.AddAsync(VideoRecordFactory.Create(models, $"v{n}", features));
        }
        await store.CommitAsync();
        await store.RemoveAsync("v3");
        await store.CommitAsync();
        var engine = new RetrievalEngine(models, store, maxDegreeOfParallelism: 1);
        var policy = SelectorPolicy.Parse(policyText);
        var query = store.GetRecord(10);
        engine.Search(query, policy, top: 5); // warms the pool and the JIT

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = engine.Search(query, policy, top: 5);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // One float per video would be 160 KB; the fine stage allocates a small features view (≈ 110 B) per re-ranked pair.
        long perPairBudget = policy.Kind == SelectionKind.FineOnly ? 200L * videos : 0;
        allocated.Should().BeLessThan(videos * sizeof(float) / 4 + perPairBudget);
        var expected = engine.ScoreAll(query, policy);
        var best = Enumerable.Range(0, expected.IsLive.Length).Where(o => o != 10 && expected.IsLive[o]).OrderByDescending(o => expected.Merged[o]).ThenBy(o => o).Take(5);
        result.Hits.Select(h => h.Id).Should().Equal(best.Select(store.GetId));
        result.Hits.Should().NotContain(h => h.Id == "v3" || h.Id == "v10");
    }

    [Fact]
    public async Task Selector_scoring_in_parallel_chunks_selects_what_pair_by_pair_scoring_selects()
    {
        // 20,000 videos: the selector MLP runs in several chunks over the cores; each probability must equal the
        // network's one-pair score, so the 1 % picked are exactly the best 200 of those.
        const int videos = 20_000;
        var models = Models("fg_bin_student");
        var schema = VideoRecordFactory.SchemaOf(models);
        var store = new InMemoryVideoStore(schema);
        var random = new Random(5);
        VideoRecord Video(string id) => RandomVideoRecords.Binary(schema, random, id, frames: 4);
        for (int n = 0; n < videos; n++) await store.AddAsync(Video($"v{n}"));
        await store.CommitAsync();
        var query = Video("query");

        var scores = new RetrievalEngine(models, store).ScoreAll(query, SelectorPolicy.SelectorFraction(0.01));

        var probabilities = new float[videos];
        for (int o = 0; o < videos; o++)
            probabilities[o] = models.Selector!.Score(query.SelfSimilarity, store.GetRecord(o).SelfSimilarity, scores.Coarse[o]);
        var expected = Enumerable.Range(0, videos).OrderByDescending(o => probabilities[o]).ThenBy(o => o).Take(200);
        Enumerable.Range(0, videos).Where(o => !float.IsNaN(scores.Fine[o])).Should().BeEquivalentTo(expected);
        scores.Statistics.SelectorPairs.Should().Be(videos);
    }

    private static float[] GoldenVideo(string id)
    {
        using var videos = SafeTensorsFile.Open(SharedData.Golden("videos.safetensors"));
        return videos.ReadFloats(id);
    }
}
