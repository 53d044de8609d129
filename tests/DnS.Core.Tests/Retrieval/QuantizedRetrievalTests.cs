using System.Runtime.InteropServices;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>
/// The same 6,012 videos (L2-normalized Gaussian coarse embeddings of the real coarse student's size, in two segments, one
/// removed) in three file stores, one per <see cref="CoarseEncoding"/>, searched with the real golden networks.
/// </summary>
public sealed class QuantizedLibraryFixture : IAsyncLifetime
{
    public const int Sources = 6, CopiesPerSource = 3;

    private readonly string _dir = Directory.CreateTempSubdirectory("dns-quantized-engine-").FullName;

    public DnsModels Models { get; } = RetrievalEngineTests.Models("fg_bin_student");

    public Dictionary<CoarseEncoding, FileVideoStore> Stores { get; } = [];

    /// <summary>Six noisy copies of library videos (noise 2× the norm: cosine ≈ 0.45 to the source), then six unrelated queries.</summary>
    public List<VideoRecord> Queries { get; } = [];

    /// <summary>Per copy query: its source video and three more noisy copies of it in the library (noise 2.5×), so the
    /// relevant videos compete with the best of 6,000 unrelated ones and mAP is below 1.</summary>
    public List<HashSet<string>> Relevant { get; } = [];

    public async Task InitializeAsync()
    {
        var schema = VideoRecordFactory.SchemaOf(Models);
        var random = new Random(31);
        VideoRecord Video(string id, float[]? source, float noise)
        {
            var coarse = new float[schema.CoarseDimensions];
            QuantizedPreRankingTests.Normalize(coarse, random, source, noise);
            var codes = new ulong[schema.FineElementsPerFrame];
            random.NextBytes(MemoryMarshal.AsBytes(codes.AsSpan()));
            return new VideoRecord(id, 1, coarse, ReadOnlyMemory<float>.Empty, codes, (random.NextSingle() * 2) - 1);
        }

        var videos = Enumerable.Range(0, 6000).Select(n => Video($"v{n}", null, 1)).ToList();
        for (int q = 0; q < Sources; q++)
        {
            var source = videos[(q * 997) + 5];
            float[] coarse = source.Coarse.ToArray();
            var relevant = new HashSet<string> { source.Id };
            for (int c = 0; c < CopiesPerSource; c++)
            {
                var copy = Video($"copy{q}-{c}", coarse, 2.5f);
                videos.Add(copy);
                relevant.Add(copy.Id);
            }
            Queries.Add(Video($"query{q}", coarse, 2f));
            Relevant.Add(relevant);
        }
        for (int q = 0; q < Sources; q++) Queries.Add(Video($"unrelated{q}", null, 1));

        foreach (var encoding in Enum.GetValues<CoarseEncoding>())
        {
            var store = await FileVideoStore.CreateOrOpenAsync(Path.Combine(_dir, encoding.ToString()), schema with { CoarseEncoding = encoding });
            Stores[encoding] = store;
            for (int n = 0; n < videos.Count; n++)
            {
                await store.AddAsync(videos[n]);
                if (n == 2500) await store.CommitAsync();
            }
            await store.RemoveAsync("v100");
            await store.CommitAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var store in Stores.Values) await store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// <see cref="RetrievalEngine"/> over int8 coarse codes: with the floats kept, the int8 pre-ranking plus exact re-scoring
/// ranks exactly as the float scan (ids and score bits); with codes only, recall@100 and mAP are measured against the
/// float scan; batched queries score as one-by-one queries.
/// </summary>
public sealed class QuantizedRetrievalTests(QuantizedLibraryFixture fixture, ITestOutputHelper output) : IClassFixture<QuantizedLibraryFixture>
{
    private RetrievalEngine Engine(CoarseEncoding encoding) => new(fixture.Models, fixture.Stores[encoding]);

    private static IEnumerable<(string Id, int Merged, int Coarse, ScoringStage Stage)> Bits(SearchResult result) =>
        result.Hits.Select(h => (h.Id, BitConverter.SingleToInt32Bits(h.Score), BitConverter.SingleToInt32Bits(h.CoarseScore), h.Stage));

    [Theory]
    [InlineData("coarse", 100)]
    [InlineData("topk:50", 20)]
    [InlineData("fine", 10)]
    public void Quantized_pre_ranking_with_exact_rescoring_ranks_as_the_float_scan(string policyText, int top)
    {
        var policy = SelectorPolicy.Parse(policyText);
        string[] indexed = ["v3", "copy2-1", "v5999"];
        var queries = fixture.Queries.Concat(indexed.Select(id => fixture.Stores[CoarseEncoding.Float].TryGetRecord(id, out var r) ? r : null!)).ToList();
        // The fine policy re-ranks every pair: three queries show it.
        foreach (var query in policy.Kind == SelectionKind.FineOnly ? queries.Take(3) : queries)
        {
            var expected = Engine(CoarseEncoding.Float).Search(query, policy, top);
            var quantized = Engine(CoarseEncoding.Int8AndFloat).Search(query, policy, top);
            if (policy.Kind == SelectionKind.FineOnly)
            {
                // Ranked by the fine scores alone: same hits and scores; a hit's coarse score is exact only when it
                // was among the re-scored coarse candidates, else the int8 estimate.
                Bits(quantized).Select(h => (h.Id, h.Merged, h.Stage)).Should().Equal(Bits(expected).Select(h => (h.Id, h.Merged, h.Stage)), $"query {query.Id}");
                quantized.Hits.Select(h => h.CoarseScore).Should().Equal(expected.Hits.Select(h => h.CoarseScore), (a, b) => Math.Abs(a - b) < 0.02f);
            }
            else
            {
                Bits(quantized).Should().Equal(Bits(expected), $"query {query.Id}");
            }
        }
    }

    [Fact]
    public void Quantized_int8_only_recall_at_100_and_map_are_measured_against_float()
    {
        double recall = 0, worst = 1;
        var meanAp = new Dictionary<CoarseEncoding, double>();
        var meanAp100 = new Dictionary<CoarseEncoding, double>();
        foreach (var encoding in Enum.GetValues<CoarseEncoding>())
        {
            var engine = Engine(encoding);
            for (int q = 0; q < fixture.Queries.Count; q++)
            {
                var query = fixture.Queries[q];
                if (q < QuantizedLibraryFixture.Sources)
                {
                    var scores = engine.ScoreAll(query, SelectorPolicy.CoarseOnly);
                    meanAp[encoding] = meanAp.GetValueOrDefault(encoding) + (AveragePrecision(scores, fixture.Relevant[q], int.MaxValue) / QuantizedLibraryFixture.Sources);
                    meanAp100[encoding] = meanAp100.GetValueOrDefault(encoding) + (AveragePrecision(scores, fixture.Relevant[q], 100) / QuantizedLibraryFixture.Sources);
                }
                if (encoding != CoarseEncoding.Int8) continue;
                var truth = Engine(CoarseEncoding.Float).Search(query, SelectorPolicy.CoarseOnly, 100).Hits.Select(h => h.Id).ToHashSet();
                double found = engine.Search(query, SelectorPolicy.CoarseOnly, 100).Hits.Count(h => truth.Contains(h.Id)) / 100.0;
                recall += found / fixture.Queries.Count;
                worst = Math.Min(worst, found);
            }
        }
        output.WriteLine($"int8 only: recall@100 vs float {recall:F3} (worst query {worst:F2})");
        foreach (var encoding in Enum.GetValues<CoarseEncoding>())
            output.WriteLine($"{encoding}: coarse mAP {meanAp[encoding]:F7}, mAP@100 {meanAp100[encoding]:F7}");
        meanAp100[CoarseEncoding.Int8AndFloat].Should().Be(meanAp100[CoarseEncoding.Float], "re-scored, the top of the ranking is the float ranking");
        // Beyond the 4 × 100 re-scored candidates ScoreAll ranks on the int8 estimates: the full-ranking mAP moves in the 6th decimal.
        meanAp[CoarseEncoding.Int8AndFloat].Should().BeApproximately(meanAp[CoarseEncoding.Float], 1e-5);
        meanAp[CoarseEncoding.Float].Should().BeInRange(0.1, 0.99, "the copies are findable, but not trivially");
        meanAp[CoarseEncoding.Int8].Should().BeApproximately(meanAp[CoarseEncoding.Float], 0.005);
        recall.Should().BeGreaterThan(0.95);
        worst.Should().BeGreaterThan(0.9);
    }

    /// <summary>AP of a ranking by merged score (descending, ties to the lower ordinal) over its first <paramref name="depth"/>
    /// ranks, divided by all relevant videos, written out plainly.</summary>
    private static double AveragePrecision(StoreScores scores, HashSet<string> relevant, int depth)
    {
        var ranking = Enumerable.Range(0, scores.Merged.Length).Where(o => scores.IsLive[o])
            .OrderByDescending(o => scores.Merged[o]).ThenBy(o => o).Select(o => scores.Ids[o]).Take(depth).ToList();
        double found = 0, sum = 0;
        for (int rank = 0; rank < ranking.Count; rank++)
            if (relevant.Contains(ranking[rank])) sum += ++found / (rank + 1);
        return sum / relevant.Count;
    }

    [Theory]
    [InlineData(CoarseEncoding.Float)]
    [InlineData(CoarseEncoding.Int8)]
    [InlineData(CoarseEncoding.Int8AndFloat)]
    public void Quantized_ScoreAllBatch_and_SearchBatch_equal_one_by_one_bit_for_bit(CoarseEncoding encoding)
    {
        var store = fixture.Stores[encoding];
        // 70 queries: more than one batch of 64, indexed ones among them.
        var queries = Enumerable.Range(0, 70).Select(i => i < 12 ? fixture.Queries[i] : store.GetRecord(i * 83)).ToList();
        var engine = Engine(encoding);
        var policy = SelectorPolicy.TopK(10);

        var batched = engine.ScoreAllBatch(queries, policy).ToList();
        var searched = engine.SearchBatch(queries, SelectorPolicy.CoarseOnly, 15);

        batched.Should().HaveCount(queries.Count);
        for (int i = 0; i < queries.Count; i++)
        {
            var single = engine.ScoreAll(queries[i], policy);
            batched[i].Ids.Should().Equal(single.Ids);
            batched[i].IsLive.Should().Equal(single.IsLive);
            batched[i].Coarse.Select(BitConverter.SingleToInt32Bits).Should().Equal(single.Coarse.Select(BitConverter.SingleToInt32Bits), $"query {i}");
            batched[i].Merged.Select(BitConverter.SingleToInt32Bits).Should().Equal(single.Merged.Select(BitConverter.SingleToInt32Bits), $"query {i}");
            batched[i].Statistics.FinePairs.Should().Be(10);
            Bits(searched[i]).Should().Equal(Bits(engine.Search(queries[i], SelectorPolicy.CoarseOnly, 15)), $"query {i}");
        }
    }

    [Fact]
    public void Quantized_rescore_factor_is_validated_and_one_is_enough_for_a_clear_top()
    {
        var act = () => new RetrievalEngine(fixture.Models, fixture.Stores[CoarseEncoding.Int8AndFloat]) { RescoreFactor = 0 };
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*RescoreFactor*");

        // A near-copy's source is far ahead of the rest: even one candidate per hit finds it, with its exact float score.
        var query = fixture.Queries[0];
        var exact = Engine(CoarseEncoding.Float).Search(query, SelectorPolicy.CoarseOnly, 1).Hits.Single();
        var hit = new RetrievalEngine(fixture.Models, fixture.Stores[CoarseEncoding.Int8AndFloat]) { RescoreFactor = 1 }
            .Search(query, SelectorPolicy.CoarseOnly, 1).Hits.Single();
        hit.Id.Should().Be(exact.Id);
        BitConverter.SingleToInt32Bits(hit.CoarseScore).Should().Be(BitConverter.SingleToInt32Bits(exact.CoarseScore));
        var estimate = Engine(CoarseEncoding.Int8).Search(query, SelectorPolicy.CoarseOnly, 1).Hits.Single();
        estimate.Id.Should().Be(exact.Id);
        estimate.CoarseScore.Should().NotBe(exact.CoarseScore, "without floats the score is the int8 estimate").And.BeApproximately(exact.CoarseScore, 0.02f);
    }
}
