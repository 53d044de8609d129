using DnS.Core.Retrieval;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Cluster.Tests;

/// <summary>A search through the cluster must be the search of one <see cref="RetrievalEngine"/> over the union of the
/// shards with the same networks: same ids, order, stages and scores bit for bit, same pair counts.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterSearchTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("coarse")]
    [InlineData("topk:25")]
    [InlineData("dns:0.05")]
    [InlineData("threshold:0.5")]
    [InlineData("fine")]
    [InlineData("topk:25+regions:8")]
    [InlineData("dns:0.05+regions:10")]
    public async Task Cluster_search_equals_one_engine_over_the_union_of_the_shards(string policyText)
    {
        var policy = SelectorPolicy.Parse(policyText);
        var engine = await UnionEngineAsync(fixture.Records);
        // Indexed videos (left out of their own hits) and new ones.
        var queries = new[] { fixture.Records[0], fixture.Records[599] }.Concat(GoldenModels.Records(2, seed: 9, first: 10_000));
        foreach (var query in queries)
        {
            var single = engine.Search(query, policy, top: 30);
            var cluster = await fixture.Client.SearchAsync(query, policy, top: 30);

            cluster.IsPartial.Should().BeFalse();
            cluster.Result.Hits.Should().HaveCount(30);
            ShouldMatchUpToTies(cluster.Result.Hits, top => engine.Search(query, policy, top).Hits, $"query {query.Id}, policy {policy}");
            cluster.Result.Statistics.CoarsePairs.Should().Be(ClusterFixture.Videos);
            cluster.Result.Statistics.SelectorPairs.Should().Be(single.Statistics.SelectorPairs);
            cluster.Result.Statistics.FinePairs.Should().Be(single.Statistics.FinePairs);
            if (policy.Kind != SelectionKind.CoarseOnly && single.Statistics.FinePairs > 0)
            {
                // Under a selector policy the top 30 may hold no re-ranked pair: the whole ranking has them.
                var all = await fixture.Client.SearchAsync(query, policy, top: ClusterFixture.Videos);
                all.Result.Hits.Should().Contain(h => h.Stage == ScoringStage.Fine);
            }
        }
    }

    [Fact]
    public async Task Cluster_search_by_id_fetches_the_query_from_its_shard()
    {
        var engine = await UnionEngineAsync(fixture.Records);
        var policy = SelectorPolicy.SelectorFraction(0.1);

        var cluster = await fixture.Client.SearchAsync("v000000123", policy, top: 10);

        ShouldMatchUpToTies(cluster.Result.Hits, top => engine.Search("v000000123", policy, top).Hits);
        cluster.Result.Hits.Should().NotContain(h => h.Id == "v000000123");
        await fixture.Client.Invoking(c => c.SearchAsync("no-such-video", policy, top: 10)).Should().ThrowAsync<KeyNotFoundException>();
    }

    [Fact]
    public async Task Shard_stores_on_disk_hold_exactly_the_videos_their_ids_route_to()
    {
        var seen = new List<string>();
        for (int shard = 0; shard < ClusterFixture.Shards; shard++)
        {
            // Read-only: the shard's grain keeps the writer lock.
            await using var store = await FileVideoStore.OpenAsync(Path.Combine(fixture.Root, $"shard-{shard:D4}"));
            store.Count.Should().BeGreaterThan(ClusterFixture.Videos / ClusterFixture.Shards / 2, "the hash spreads the ids");
            store.Schema.RegionMeans.Should().BeTrue("a new shard keeps the region means its region picks scan");
            store.Ids.Should().OnlyContain(id => ShardRouting.ShardOf(id, ClusterFixture.Shards) == shard);
            seen.AddRange(store.Ids);
        }
        seen.Should().BeEquivalentTo(fixture.Records.Select(r => r.Id));
        (await fixture.Client.CountAsync()).Should().Be(ClusterFixture.Videos);
    }

    /// <summary>
    /// The cluster's hits are the engine's: same scores in the same order, and the same hits, except that hits of equal
    /// merged score may come in another order (the engine breaks ties by its store's ordinals, which a cluster does not
    /// have; a calibrated fine score of two different similarities can round to the same float). A run of equal scores cut
    /// by <c>top</c> holds members of that run. <paramref name="engineSearch"/> searches the engine for a given top.
    /// </summary>
    internal static void ShouldMatchUpToTies(IReadOnlyList<SearchHit> actual, Func<int, IReadOnlyList<SearchHit>> engineSearch, string because = "")
    {
        var longer = engineSearch(actual.Count + 20);
        actual.Select(h => h.Score).Should().Equal(longer.Take(actual.Count).Select(h => h.Score), because);
        for (int start = 0; start < actual.Count;)
        {
            int end = start;
            while (end < longer.Count && longer[end].Score == longer[start].Score) end++;
            var run = longer.Skip(start).Take(end - start).ToList();
            var got = actual.Skip(start).Take(Math.Min(end, actual.Count) - start).ToList();
            if (end <= actual.Count) got.Should().BeEquivalentTo(run, because);
            else got.Should().OnlyContain(h => run.Contains(h), because);
            start = end;
        }
    }

    /// <summary>The oracle: one engine over one store holding every record of the cluster, with the shards' region means.</summary>
    internal static async Task<RetrievalEngine> UnionEngineAsync(IEnumerable<VideoRecord> records)
    {
        var store = new InMemoryVideoStore(GoldenModels.Schema with { RegionMeans = true });
        foreach (var record in records) await store.AddAsync(record);
        await store.CommitAsync();
        return new RetrievalEngine(GoldenModels.Models, store);
    }
}
