using Orleans.Concurrency;

namespace DnS.Cluster;

/// <summary>One shard of the library: a FileVideoStore folder under the cluster root, opened when the grain activates
/// (on any silo) and closed when it deactivates. Key: the shard number.</summary>
[Alias("DnS.Cluster.IShardGrain")]
internal interface IShardGrain : IGrainWithIntegerKey
{
    /// <summary>Live videos in the shard.</summary>
    [ReadOnly, Alias("Count")]
    Task<int> CountAsync();

    /// <summary>The first half of a search on this shard (coarse scan, the policy's candidates, the best coarse pairs).</summary>
    [ReadOnly, Alias("Select")]
    Task<WireSelection> SelectAsync(WireRecord query, string policy, int fractionCount, int top);

    /// <summary>Fine scores of the pairs of <paramref name="query"/> with <paramref name="ids"/>, selected over the whole library.</summary>
    [ReadOnly, Alias("Rerank")]
    Task<WireRerank> RerankAsync(WireRecord query, string policy, string[] ids);

    /// <summary>The record of a live video, or null.</summary>
    [ReadOnly, Alias("GetRecord")]
    Task<WireRecord?> GetRecordAsync(string id);

    /// <summary>Adds (or replaces) records and commits them in one atomic commit of the shard's store.</summary>
    [Alias("Add")]
    Task AddAsync(WireRecord[] records);

    /// <summary>Removes a video and commits; false when it is not in the shard.</summary>
    [Alias("Remove")]
    Task<bool> RemoveAsync(string id);
}

/// <summary>Answers what the silos were configured with (any silo answers: a stateless worker).</summary>
[Alias("DnS.Cluster.IClusterLayoutGrain")]
internal interface IClusterLayoutGrain : IGrainWithIntegerKey
{
    [Alias("GetLayout")]
    Task<ClusterLayout> GetLayoutAsync();
}
