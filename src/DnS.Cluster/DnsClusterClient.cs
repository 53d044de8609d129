using System.Diagnostics;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Cluster;

/// <summary>
/// Indexes into and searches a DnS library sharded over an Orleans cluster (silos configured with
/// <see cref="DnsClusterHosting.AddDnsShards"/>). A search fans out to every shard (coarse scan and the policy's
/// candidates), selects over the merged candidates exactly as one <see cref="RetrievalEngine"/> over the union of the
/// shards would, has the owning shards re-rank the selected pairs, and merges again: the same hits and scores.
/// </summary>
/// <remarks>A shard that is down (its silo restarting, its grain re-activating elsewhere, its store unavailable) is
/// retried for <see cref="DnsClusterOptions.ShardWait"/>; then the search returns without it, marked partial
/// (<see cref="ClusterSearchResult.MissingShards"/>). Thread-safe.</remarks>
public sealed class DnsClusterClient : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly DnsClusterOptions _options;
    private readonly IAsyncDisposable? _owned;
    private ClusterLayout? _layout;

    /// <summary>Creates a client over a connected Orleans client (or a silo's grain factory).</summary>
    public DnsClusterClient(IGrainFactory grains, DnsClusterOptions? options = null)
        : this(grains, options, null)
    {
    }

    internal DnsClusterClient(IGrainFactory grains, DnsClusterOptions? options, IAsyncDisposable? owned)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _options = options ?? new DnsClusterOptions();
        _owned = owned;
    }

    /// <summary>The number of shards the silos were started with.</summary>
    public async Task<int> GetShardCountAsync(CancellationToken cancellationToken = default) =>
        (await LayoutAsync(cancellationToken).ConfigureAwait(false)).Shards;

    /// <summary>The record layout of every shard (what the indexing networks must produce).</summary>
    public async Task<StoreSchema> GetSchemaAsync(CancellationToken cancellationToken = default) =>
        (await LayoutAsync(cancellationToken).ConfigureAwait(false)).Schema;

    /// <summary>Live videos over all shards.</summary>
    /// <exception cref="ShardUnavailableException">A shard stayed down for <see cref="DnsClusterOptions.ShardWait"/>.</exception>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        int shards = await GetShardCountAsync(cancellationToken).ConfigureAwait(false);
        var deadline = Deadline();
        var counts = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => CallAsync(s, g => g.CountAsync(), deadline, cancellationToken))).ConfigureAwait(false);
        return counts.Sum(c => (long)c);
    }

    /// <summary>Adds (or replaces) records, each in the shard its id routes to (<see cref="ShardRouting"/>), committed
    /// per shard in batches of <see cref="DnsClusterOptions.RecordsPerCommit"/>.</summary>
    /// <param name="records">Records made by the networks the silos run.</param>
    /// <param name="progress">Receives the number of records committed so far.</param>
    /// <param name="cancellationToken">Stops between batches (committed batches stay).</param>
    /// <returns>The number of records committed.</returns>
    /// <exception cref="ArgumentException">A record does not fit the cluster's layout (the message names it).</exception>
    /// <exception cref="ShardUnavailableException">A shard stayed down for <see cref="DnsClusterOptions.ShardWait"/>.</exception>
    public async Task<int> AddAsync(IEnumerable<VideoRecord> records, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var layout = await LayoutAsync(cancellationToken).ConfigureAwait(false);
        var schema = layout.Schema;
        var pending = new List<WireRecord>[layout.Shards];
        for (int s = 0; s < pending.Length; s++) pending[s] = [];
        int committed = 0;
        async Task FlushAsync(int shard)
        {
            var batch = pending[shard].ToArray();
            pending[shard].Clear();
            await CallAsync(shard, async g => { await g.AddAsync(batch).ConfigureAwait(false); return 0; }, Deadline(), cancellationToken).ConfigureAwait(false);
            committed += batch.Length;
            progress?.Report(committed);
        }
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            record.Validate(schema);
            int shard = ShardRouting.ShardOf(record.Id, layout.Shards);
            pending[shard].Add(WireRecord.From(record));
            if (pending[shard].Count >= _options.RecordsPerCommit) await FlushAsync(shard).ConfigureAwait(false);
        }
        for (int s = 0; s < pending.Length; s++)
            if (pending[s].Count > 0) await FlushAsync(s).ConfigureAwait(false);
        return committed;
    }

    /// <summary>Removes a video from its shard; false when no such id is live.</summary>
    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        int shard = ShardRouting.ShardOf(id, await GetShardCountAsync(cancellationToken).ConfigureAwait(false));
        return await CallAsync(shard, g => g.RemoveAsync(id), Deadline(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record of a live video, from its shard; null when there is none.</summary>
    public async Task<VideoRecord?> GetRecordAsync(string id, CancellationToken cancellationToken = default)
    {
        int shard = ShardRouting.ShardOf(id, await GetShardCountAsync(cancellationToken).ConfigureAwait(false));
        var record = await CallAsync(shard, g => g.GetRecordAsync(id), Deadline(), cancellationToken).ConfigureAwait(false);
        return record?.ToRecord();
    }

    /// <summary>Searches with a video already in the cluster (left out of its own hits).</summary>
    /// <exception cref="KeyNotFoundException">No live video has that id.</exception>
    public async Task<ClusterSearchResult> SearchAsync(string queryId, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        var query = await GetRecordAsync(queryId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"no video '{queryId}' in the cluster");
        return await SearchAsync(query, policy, top, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Searches the whole cluster with a query record: the hits and scores of
    /// <see cref="RetrievalEngine.Search(VideoRecord, SelectorPolicy, int, CancellationToken)"/> over the union of the shards.</summary>
    /// <param name="query">The query's record (same networks as the shards).</param>
    /// <param name="policy">Which pairs the fine stage re-scores, chosen over the whole library.</param>
    /// <param name="top">Hits to return.</param>
    /// <param name="cancellationToken">Stops waiting for the shards.</param>
    /// <exception cref="ArgumentException">The record does not fit the cluster's layout.</exception>
    /// <exception cref="InvalidOperationException">The policy needs a selector network and the silos' models have none.</exception>
    public async Task<ClusterSearchResult> SearchAsync(VideoRecord query, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var layout = await LayoutAsync(cancellationToken).ConfigureAwait(false);
        query.Validate(layout.Schema);
        var wire = WireRecord.From(query);
        string policyText = policy.ToString();
        var missing = new SortedDictionary<int, string>();
        var fanOut = new FanOut(this, missing, cancellationToken);

        // First half on every shard. A fraction of the whole library needs its size first; the shards' answers say how
        // many videos they searched, and a commit in between (a different total) makes the selection ask again.
        int fractionCount = -1;
        var shards = Enumerable.Range(0, layout.Shards).ToArray();
        if (policy.Kind == SelectionKind.SelectorFraction)
        {
            var counts = await fanOut.CallAsync(shards, (_, g) => g.CountAsync()).ConfigureAwait(false);
            shards = [.. counts.Keys];
            fractionCount = FractionCount(policy, counts.Values.Sum(c => (long)c));
        }
        Dictionary<int, WireSelection> selections;
        for (int attempt = 0; ; attempt++)
        {
            int count = fractionCount;
            selections = await fanOut.CallAsync(shards, (_, g) => g.SelectAsync(wire, policyText, count, top + 1)).ConfigureAwait(false);
            shards = [.. selections.Keys];
            if (policy.Kind != SelectionKind.SelectorFraction) break;
            int searched = FractionCount(policy, selections.Values.Sum(s => (long)s.LivePairs));
            if (searched == fractionCount || attempt == 2) break;
            fractionCount = searched;
        }

        var clock = Stopwatch.StartNew();
        var selected = Select(policy, selections, fractionCount);
        var selectionTime = clock.Elapsed;

        // Second half: the owning shards re-rank the selected pairs. A shard lost here is left out entirely (its pairs
        // would otherwise rank by coarse scores that the complete search re-ranks).
        clock.Restart();
        var reranks = await fanOut.CallAsync(selected.Keys, (s, g) => g.RerankAsync(wire, policyText, [.. selected[s]])).ConfigureAwait(false);
        var fineTime = clock.Elapsed;

        clock.Restart();
        var hits = Merge(query.Id, policy, top, selections.Where(s => !missing.ContainsKey(s.Key)), selected, reranks);
        var statistics = new StageStatistics(
            selections.Where(s => !missing.ContainsKey(s.Key)).Sum(s => s.Value.LivePairs),
            selections.Where(s => !missing.ContainsKey(s.Key)).Sum(s => s.Value.SelectorPairs),
            reranks.Sum(r => r.Value.Fine.Count(f => !float.IsNaN(f))),
            selections.Count == 0 ? TimeSpan.Zero : selections.Values.Max(s => s.Coarse),
            (selections.Count == 0 ? TimeSpan.Zero : selections.Values.Max(s => s.Selection)) + selectionTime,
            fineTime,
            clock.Elapsed);
        return new ClusterSearchResult(new SearchResult(query.Id, policy, hits, statistics),
            [.. missing.Select(m => new MissingShard(m.Key, m.Value))]);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
    }

    // The engine's own count: ⌈fraction · live pairs⌉ (RetrievalEngine.Select).
    private static int FractionCount(SelectorPolicy policy, long livePairs) => (int)Math.Ceiling(policy.Parameter * livePairs);

    /// <summary>The pairs the policy selects over all shards' candidates, by shard (ids).</summary>
    private static Dictionary<int, List<string>> Select(SelectorPolicy policy, Dictionary<int, WireSelection> selections, int fractionCount)
    {
        var candidates = selections.SelectMany(s => Enumerable.Range(0, s.Value.CandidateIds.Length).Select(i => (Shard: s.Key, Id: s.Value.CandidateIds[i], Key: s.Value.CandidateKeys[i])));
        long live = selections.Values.Sum(s => (long)s.LivePairs);
        int budget = policy.Kind switch
        {
            SelectionKind.TopK => (int)Math.Min(policy.Parameter, live),
            SelectionKind.SelectorFraction => Math.Max(fractionCount, 0),
            _ => int.MaxValue, // coarse: none offered; fine and threshold: every candidate
        };
        // The engine's rule: the budget less the region picks by key, then the best region matches those left out.
        int picks = Math.Min(policy.RegionPicks, budget);
        var chosen = policy.Kind is SelectionKind.TopK or SelectionKind.SelectorFraction
            ? candidates.OrderByDescending(c => c.Key).Take(budget - picks).ToList()
            : candidates.ToList();
        if (picks > 0)
        {
            var taken = chosen.Select(c => (c.Shard, c.Id)).ToHashSet();
            chosen.AddRange(selections
                .SelectMany(s => Enumerable.Range(0, s.Value.RegionIds.Length).Select(i => (Shard: s.Key, Id: s.Value.RegionIds[i], Key: s.Value.RegionScores[i])))
                .Where(c => !taken.Contains((c.Shard, c.Id)))
                .OrderByDescending(c => c.Key).Take(picks));
        }
        var byShard = new Dictionary<int, List<string>>();
        foreach (var (shard, id, _) in chosen)
        {
            if (!byShard.TryGetValue(shard, out var ids)) byShard[shard] = ids = [];
            ids.Add(id);
        }
        return byShard;
    }

    /// <summary>The best <paramref name="top"/> hits over the re-ranked pairs and every other reported pair by coarse score.</summary>
    private static SearchHit[] Merge(string queryId, SelectorPolicy policy, int top, IEnumerable<KeyValuePair<int, WireSelection>> selections,
        Dictionary<int, List<string>> selected, Dictionary<int, WireRerank> reranks)
    {
        var pairs = new Dictionary<(int, string), SearchHit>();
        foreach (var (shard, s) in selections)
        {
            for (int i = 0; i < s.BestIds.Length; i++) pairs.TryAdd((shard, s.BestIds[i]), CoarseHit(s.BestIds[i], s.BestCoarse[i]));
            for (int i = 0; i < s.CandidateIds.Length; i++) pairs.TryAdd((shard, s.CandidateIds[i]), CoarseHit(s.CandidateIds[i], s.CandidateCoarse[i]));
            for (int i = 0; i < s.RegionIds.Length; i++) pairs.TryAdd((shard, s.RegionIds[i]), CoarseHit(s.RegionIds[i], s.RegionCoarse[i]));
        }
        foreach (var (shard, ids) in selected)
        {
            if (!reranks.TryGetValue(shard, out var rerank)) continue;
            for (int i = 0; i < ids.Count; i++)
            {
                var key = (shard, ids[i]);
                if (float.IsNaN(rerank.Fine[i])) pairs.Remove(key); // removed from the shard since its selection
                else pairs[key] = pairs[key] with { Score = rerank.Merged[i], Stage = ScoringStage.Fine, FineScore = rerank.Fine[i] };
            }
        }
        // The engine's merge: under a selector policy, coarse scores move by the median of (fine − coarse) over the re-ranked pairs.
        if (policy.NeedsSelector)
        {
            float shift = CoarseScoreShift.Median([.. pairs.Values.Where(h => h.Stage == ScoringStage.Fine).Select(h => h.Score - h.CoarseScore)]);
            foreach (var (key, hit) in pairs.Where(p => p.Value.Stage == ScoringStage.Coarse).ToList())
                pairs[key] = hit with { Score = hit.CoarseScore + shift };
        }
        return [.. pairs.Values.Where(h => h.Id != queryId).OrderByDescending(h => h.Score).Take(top)];
    }

    private static SearchHit CoarseHit(string id, float coarse) => new(id, coarse, ScoringStage.Coarse, coarse, float.NaN);

    private async Task<ClusterLayout> LayoutAsync(CancellationToken cancellationToken) =>
        _layout ??= await _grains.GetGrain<IClusterLayoutGrain>(0).GetLayoutAsync().WaitAsync(_options.ShardWait, cancellationToken).ConfigureAwait(false);

    private DateTime Deadline() => DateTime.UtcNow + _options.ShardWait;

    /// <summary>Calls a shard, retrying while it fails as down until <paramref name="deadline"/>; a call in progress may take
    /// up to <see cref="DnsClusterOptions.CallTimeout"/>.</summary>
    /// <exception cref="ShardUnavailableException">The shard stayed down.</exception>
    private async Task<T> CallAsync<T>(int shard, Func<IShardGrain, Task<T>> call, DateTime deadline, CancellationToken cancellationToken)
    {
        var grain = _grains.GetGrain<IShardGrain>(shard);
        Exception? last = null;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            try
            {
                if (remaining <= TimeSpan.Zero) throw new TimeoutException($"no answer within {_options.ShardWait.TotalSeconds:0.#} s");
                return await call(grain).WaitAsync(_options.CallTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsShardDown(e) && !cancellationToken.IsCancellationRequested)
            {
                // A timeout says less than the error that made the earlier tries fail: report that one.
                if (last is null || e is not TimeoutException) last = e;
                remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                    throw last as ShardUnavailableException ?? new ShardUnavailableException($"shard {shard}: {last.Message}", last);
                await Task.Delay(remaining < _options.RetryInterval ? remaining : _options.RetryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Errors that mean "the shard is not there now" (retried), as opposed to a bad request (thrown at once).</summary>
    private static bool IsShardDown(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is ShardUnavailableException or OrleansException or TimeoutException) return true;
        return false;
    }

    /// <summary>One search's calls to many shards: answers by shard; a shard that stays down goes into <c>missing</c> and
    /// is not asked again. Each round of calls waits up to <see cref="DnsClusterOptions.ShardWait"/> for the shards it asks.</summary>
    private sealed class FanOut(DnsClusterClient client, SortedDictionary<int, string> missing, CancellationToken cancellationToken)
    {
        public async Task<Dictionary<int, T>> CallAsync<T>(IEnumerable<int> shards, Func<int, IShardGrain, Task<T>> call)
        {
            var deadline = client.Deadline();
            var calls = shards.Select(async s =>
            {
                try
                {
                    return (Shard: s, Value: await client.CallAsync(s, g => call(s, g), deadline, cancellationToken).ConfigureAwait(false), Error: (string?)null);
                }
                catch (ShardUnavailableException e)
                {
                    return (Shard: s, Value: default(T), Error: e.Message);
                }
            }).ToArray();
            var answers = new Dictionary<int, T>();
            foreach (var (shard, value, error) in await Task.WhenAll(calls).ConfigureAwait(false))
            {
                if (error is not null) missing.TryAdd(shard, error);
                else answers[shard] = value!;
            }
            return answers;
        }
    }
}
