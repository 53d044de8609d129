using DnS.Core.Retrieval;
using DnS.Core.Storage;
using FluentAssertions;
using Orleans.Runtime;
using Xunit;

namespace DnS.Cluster.Tests;

/// <summary>Shards that go down: a restarted silo's shards re-open from disk; a shard whose store stays unavailable is
/// waited for (bounded) and then named in a partial result.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ShardFailureTests(ClusterFixture fixture)
{
    private static readonly SelectorPolicy Policy = SelectorPolicy.SelectorFraction(0.05);

    [Fact]
    public async Task Shards_recover_from_disk_after_a_silo_restart()
    {
        var query = GoldenModels.Records(1, seed: 11, first: 20_000)[0];
        var before = await fixture.Client.SearchAsync(query, Policy, top: 20);

        // Every shard grain deactivates (its store closes), and one silo leaves and another joins.
        await DeactivateShardsAsync();
        var secondary = fixture.Cluster.SecondarySilos[0];
        await fixture.Cluster.StopSiloAsync(secondary);
        await fixture.Cluster.StartAdditionalSiloAsync();

        var after = await fixture.Client.SearchAsync(query, Policy, top: 20);

        after.IsPartial.Should().BeFalse();
        after.Result.Hits.Should().Equal(before.Result.Hits);
        var engine = await ClusterSearchTests.UnionEngineAsync(fixture.Records);
        ClusterSearchTests.ShouldMatchUpToTies(after.Result.Hits, top => engine.Search(query, Policy, top).Hits);
    }

    [Fact]
    public async Task A_shard_down_past_the_wait_is_named_in_a_partial_result_then_recovers()
    {
        var query = GoldenModels.Records(1, seed: 12, first: 30_000)[0];
        const int down = 1;
        await DeactivateShardsAsync();
        // The short wait applies to failing shards only: the others answer however slowly (within CallTimeout).
        var impatient = new DnsClusterClient(fixture.Cluster.Client, new DnsClusterOptions { ShardWait = TimeSpan.FromSeconds(1), RetryInterval = TimeSpan.FromMilliseconds(100) });

        ClusterSearchResult partial;
        // Another writer (a hung process, here this test) holds shard 1's store: its grain cannot activate.
        await using (await FileVideoStore.OpenAsync(ShardFolder(down), new FileVideoStoreOptions { ReadOnly = false }))
            partial = await impatient.SearchAsync(query, Policy, top: 20);

        partial.IsPartial.Should().BeTrue();
        partial.MissingShards.Should().ContainSingle().Which.Shard.Should().Be(down);
        partial.MissingShards[0].Reason.Should().Contain("shard 1").And.Contain(ShardFolder(down));
        // The partial ranking is the one engine's over the shards that answered (selection included).
        var others = fixture.Records.Where(r => ShardRouting.ShardOf(r.Id, ClusterFixture.Shards) != down);
        var partialEngine = await ClusterSearchTests.UnionEngineAsync(others);
        ClusterSearchTests.ShouldMatchUpToTies(partial.Result.Hits, top => partialEngine.Search(query, Policy, top).Hits);
        partial.Result.Statistics.CoarsePairs.Should().Be(others.Count());

        var recovered = await impatient.SearchAsync(query, Policy, top: 20);
        recovered.IsPartial.Should().BeFalse();
        var engine = await ClusterSearchTests.UnionEngineAsync(fixture.Records);
        ClusterSearchTests.ShouldMatchUpToTies(recovered.Result.Hits, top => engine.Search(query, Policy, top).Hits);
    }

    [Fact]
    public async Task A_search_waits_for_a_shard_that_comes_back_within_the_wait()
    {
        var query = GoldenModels.Records(1, seed: 13, first: 40_000)[0];
        await DeactivateShardsAsync();
        var blocker = await FileVideoStore.OpenAsync(ShardFolder(2), new FileVideoStoreOptions { ReadOnly = false });
        // The shard's store is released half a second into a search that may wait 30 s for it.
        var release = Task.Run(async () =>
        {
            await Task.Delay(500);
            await blocker.DisposeAsync();
        });
        var patient = new DnsClusterClient(fixture.Cluster.Client, new DnsClusterOptions { ShardWait = TimeSpan.FromSeconds(30), RetryInterval = TimeSpan.FromMilliseconds(100) });

        var result = await patient.SearchAsync(query, Policy, top: 20);
        await release;

        result.IsPartial.Should().BeFalse();
        var engine = await ClusterSearchTests.UnionEngineAsync(fixture.Records);
        ClusterSearchTests.ShouldMatchUpToTies(result.Result.Hits, top => engine.Search(query, Policy, top).Hits);
    }

    private string ShardFolder(int shard) => Path.Combine(fixture.Root, $"shard-{shard:D4}");

    /// <summary>Deactivates every shard grain on every silo (their stores close) and checks that none is left.</summary>
    private async Task DeactivateShardsAsync()
    {
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var statistics = await management.GetSimpleGrainStatistics();
        statistics.Where(s => s.GrainType.Contains("ShardGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount).Should().Be(0);
    }
}
