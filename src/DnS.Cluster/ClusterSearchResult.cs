using DnS.Core.Retrieval;

namespace DnS.Cluster;

/// <summary>A search over the cluster: the ranking (as <see cref="RetrievalEngine"/> gives it over the union of the
/// shards) and the shards that did not answer within <see cref="DnsClusterOptions.ShardWait"/>.</summary>
/// <param name="Result">Hits and statistics. Times are wall-clock per stage over the fan-out (the slowest shard), network included.</param>
/// <param name="MissingShards">Shards left out, with the reason of each; empty when the result is complete.</param>
public sealed record ClusterSearchResult(SearchResult Result, IReadOnlyList<MissingShard> MissingShards)
{
    /// <summary>Whether some shards are missing: the ranking then covers only the others (selection included).</summary>
    public bool IsPartial => MissingShards.Count > 0;
}

/// <summary>A shard that did not answer a search.</summary>
/// <param name="Shard">The shard number.</param>
/// <param name="Reason">The last error its calls gave.</param>
public sealed record MissingShard(int Shard, string Reason);
