using DnS.Core.Storage;
using Orleans.TestingHost;
using Xunit;

namespace DnS.Cluster.Tests;

/// <summary>A 3-silo in-process Orleans TestCluster serving 4 shards under a temporary root, holding
/// <see cref="Videos"/> records indexed through <see cref="DnsClusterClient.AddAsync"/>.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Shards = 4;
    public const int Videos = 600;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"dns-cluster-{Guid.NewGuid():N}");

    public TestCluster Cluster { get; private set; } = null!;

    public DnsClusterClient Client { get; private set; } = null!;

    internal VideoRecord[] Records { get; } = GoldenModels.Records(Videos);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.Properties["DnsRoot"] = Root;
        builder.AddSiloBuilderConfigurator<ShardSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Client = new DnsClusterClient(Cluster.Client);
        await Client.AddAsync(Records);
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private sealed class ShardSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.AddDnsShards(siloBuilder.Configuration["DnsRoot"]!, Shards, GoldenModels.Models);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
