using System.Diagnostics;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using Orleans.Concurrency;

namespace DnS.Cluster;

/// <summary>Owns one shard's store while active: opens it at activation (so a restarted or moved grain recovers the shard
/// from disk), searches it with a <see cref="RetrievalEngine"/>, commits additions, and closes it at deactivation.</summary>
/// <remarks>Searches are read-only and interleave; the CPU work runs on the thread pool, off the grain's scheduler.
/// Grain code keeps its context after an await (ConfigureAwait(true)): it touches the grain's fields.</remarks>
internal sealed class ShardGrain(ShardSet shards) : Grain, IShardGrain
{
    private FileVideoStore? _store;
    private RetrievalEngine? _engine;

    private FileVideoStore Store => _store ?? throw new InvalidOperationException("the shard grain is not active");

    private RetrievalEngine Engine => _engine ?? throw new InvalidOperationException("the shard grain is not active");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _store = await shards.OpenAsync((int)this.GetPrimaryKeyLong(), cancellationToken).ConfigureAwait(true);
        _engine = new RetrievalEngine(shards.Models, _store);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_store is not null) await _store.DisposeAsync().ConfigureAwait(true);
        _store = null;
        _engine = null;
    }

    public Task<int> CountAsync() => Task.FromResult(Store.Count);

    public Task<WireSelection> SelectAsync(WireRecord query, string policy, int fractionCount, int top)
    {
        var engine = Engine;
        var parsed = SelectorPolicy.Parse(policy);
        return Task.Run(() => WireSelection.From(engine.SelectOnShard(query.ToRecord(), parsed, fractionCount, top, CancellationToken.None)));
    }

    public Task<WireRerank> RerankAsync(WireRecord query, string policy, string[] ids)
    {
        var engine = Engine;
        var parsed = SelectorPolicy.Parse(policy);
        return Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var (fine, merged) = engine.RerankOnShard(query.ToRecord(), parsed, ids, CancellationToken.None);
            return new WireRerank(fine, merged, clock.Elapsed);
        });
    }

    public Task<WireRecord?> GetRecordAsync(string id) =>
        Task.FromResult(Store.TryGetRecord(id, out var record) ? WireRecord.From(record) : null);

    public async Task AddAsync(WireRecord[] records)
    {
        var store = Store;
        foreach (var record in records) await store.AddAsync(record.ToRecord()).ConfigureAwait(true);
        await store.CommitAsync().ConfigureAwait(true);
    }

    public async Task<bool> RemoveAsync(string id)
    {
        var store = Store;
        bool removed = await store.RemoveAsync(id).ConfigureAwait(true);
        if (removed) await store.CommitAsync().ConfigureAwait(true);
        return removed;
    }
}

/// <summary>Answers <see cref="IClusterLayoutGrain"/> from the silo's <see cref="ShardSet"/>.</summary>
[StatelessWorker]
internal sealed class ClusterLayoutGrain(ShardSet shards) : Grain, IClusterLayoutGrain
{
    public Task<ClusterLayout> GetLayoutAsync() => Task.FromResult(shards.Layout);
}
