namespace DnS.Cluster;

/// <summary>How a <see cref="DnsClusterClient"/> treats shards that are down.</summary>
public sealed record DnsClusterOptions
{
    /// <summary>How long a search keeps retrying a shard that is down (its silo restarting, its grain re-activating on
    /// another silo, its store locked) before it returns the result without it, marked partial; each round of a search's
    /// calls (sizes, selection, re-ranking) waits at most this long for failing shards. Default 30 s.</summary>
    public TimeSpan ShardWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one call to a shard may take before it counts as a failure (a hung silo); a shard that answers,
    /// however slowly within this bound, is never dropped. Default 2 min.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long <see cref="DnsClusterHosting.ConnectAsync"/> keeps trying to reach a gateway. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between two tries of a shard that is down. Default 250 ms.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Records per call (one atomic commit of the shard) when indexing. Default 256.</summary>
    public int RecordsPerCommit { get; init; } = 256;
}
