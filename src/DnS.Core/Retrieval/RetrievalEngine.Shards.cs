using System.Buffers;
using System.Diagnostics;
using DnS.Core.Kernels;
using DnS.Core.Storage;

namespace DnS.Core.Retrieval;

// The two halves of the cascade for one shard of a distributed library (DnS.Cluster): the selection has to be made over
// the whole library, so a shard reports its candidates, the caller merges them and selects, and the shards re-rank the
// selected pairs they hold. Same kernels and networks as a local search, so the merged result is the local one.
public sealed partial class RetrievalEngine
{
    /// <summary>The first half of the cascade on this store as one shard of a larger library: the coarse scan and the
    /// policy's candidates (the pairs the policy would select if this store were the whole library), plus the best pairs
    /// by coarse score — enough for the caller to select over all shards and rank every pair that stays coarse.</summary>
    /// <param name="query">The query record.</param>
    /// <param name="policy">The selection policy of the whole search.</param>
    /// <param name="fractionCount">For <see cref="SelectionKind.SelectorFraction"/>: the pairs the fraction keeps over the
    /// whole library (a shard returns at most that many candidates); ignored otherwise.</param>
    /// <param name="top">Hits the whole search returns.</param>
    /// <param name="cancellationToken">Stops the selector between chunks.</param>
    /// <returns>Candidates with their selection key (coarse score for top-K, selector probability for selector policies),
    /// and the best <c>top</c> + candidates live pairs by coarse score (the candidates may take the first places).</returns>
    internal ShardSelection SelectOnShard(VideoRecord query, SelectorPolicy policy, int fractionCount, int top, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        using var snapshot = _store.AcquireSnapshot();
        using var scratch = new QueryScratch(OrdinalCount(snapshot));
        // With region picks the caller first selects the budget less the picks by key, then the best region matches it
        // left out: this shard offers its candidates for the smaller budget and, separately, its best region matches.
        int picks = policy.RegionPicks;
        var byKey = picks == 0 ? policy
            : policy.Kind == SelectionKind.TopK ? SelectorPolicy.TopK((int)policy.Parameter - picks)
            : SelectorPolicy.SelectorFraction(policy.Parameter);
        int keyCount = picks == 0 || fractionCount < 0 ? fractionCount : fractionCount - Math.Min(picks, fractionCount);
        var (livePairs, count, selectorPairs, coarseTime, selectionTime) = ScanAndSelect(snapshot, query, byKey, scratch, Needed(byKey, top), cancellationToken, fractionCount: keyCount);
        var clock = Stopwatch.StartNew();
        // Select left each candidate's key in Work (masked coarse for top-K, probabilities for selector policies).
        float[] keys = policy.Kind == SelectionKind.FineOnly ? scratch.Coarse : scratch.Work;
        var candidates = new ShardPair[count];
        for (int i = 0; i < count; i++)
        {
            int o = scratch.Selected[i];
            candidates[i] = new ShardPair(snapshot.GetId(o), scratch.Coarse[o], keys[o]);
        }

        int best = (int)Math.Min((long)top + count, livePairs);
        Span<float> masked = scratch.Work.AsSpan(0, scratch.Count);
        MaskDead(scratch.Coarse.AsSpan(0, scratch.Count), scratch.IsLive, masked);
        int[] ordinals = ArrayPool<int>.Shared.Rent(best);
        float[] values = ArrayPool<float>.Shared.Rent(best);
        TopK.Select(masked, ordinals.AsSpan(0, best), values);
        var bestCoarse = new ShardPair[best];
        for (int i = 0; i < best; i++) bestCoarse[i] = new ShardPair(snapshot.GetId(ordinals[i]), values[i], values[i]);
        ArrayPool<int>.Shared.Return(ordinals);
        ArrayPool<float>.Shared.Return(values);
        // Last: it re-scores its pairs' coarse scores exactly in the scratch, which the lists above must not see.
        var regionCandidates = picks == 0 ? [] : RegionCandidates(snapshot, query, scratch, picks + count);
        return new ShardSelection(livePairs, selectorPairs, candidates, bestCoarse, coarseTime, selectionTime + clock.Elapsed) { RegionCandidates = regionCandidates };
    }

    // The shard's best region matches (RegionRecall) with their exact coarse scores, the key being the region score.
    private ShardPair[] RegionCandidates(IVideoStoreView snapshot, VideoRecord query, QueryScratch scratch, int wanted)
    {
        float[] scores = ArrayPool<float>.Shared.Rent(scratch.Count);
        int[] ordinals = ArrayPool<int>.Shared.Rent(wanted);
        float[] values = ArrayPool<float>.Shared.Rent(wanted);
        try
        {
            int count = Math.Min(wanted, _regionRecall.Score(snapshot, query, scratch, scores, _degreeOfParallelism));
            TopK.Select(scores.AsSpan(0, scratch.Count), ordinals.AsSpan(0, count), values);
            if (_store.Schema is { HasCoarseCodes: true, HasCoarseFloats: true })
                RescoreExactly(query.Coarse.Span, snapshot.CoarseBlocks, scratch.Coarse, ordinals.AsSpan(0, count));
            var pairs = new ShardPair[count];
            for (int i = 0; i < count; i++) pairs[i] = new ShardPair(snapshot.GetId(ordinals[i]), scratch.Coarse[ordinals[i]], values[i]);
            return pairs;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
            ArrayPool<int>.Shared.Return(ordinals);
            ArrayPool<float>.Shared.Return(values);
        }
    }

    /// <summary>The second half of the cascade on this shard: the fine student re-scores the pairs of the query with the
    /// given videos, which the caller selected over the whole library.</summary>
    /// <returns>Per id, the raw fine similarity and the merged score it ranks by; NaN for an id no longer live here.</returns>
    internal (float[] Fine, float[] Merged) RerankOnShard(VideoRecord query, SelectorPolicy policy, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        query.Validate(_store.Schema);
        using var snapshot = _store.AcquireSnapshot();
        var fine = new float[ids.Count];
        var merged = new float[ids.Count];
        fine.AsSpan().Fill(float.NaN);
        merged.AsSpan().Fill(float.NaN);
        var present = new List<(int Index, VideoRecord Record)>(ids.Count);
        for (int i = 0; i < ids.Count; i++)
            if (snapshot.TryGetRecord(ids[i], out var record)) present.Add((i, record));
        FineStage(query, present.Count, i => present[i].Record, (i, similarity) =>
        {
            fine[present[i].Index] = similarity;
            merged[present[i].Index] = MergedFineScore(policy, similarity);
        }, cancellationToken);
        return (fine, merged);
    }
}

/// <summary>One (query, video) pair a shard reports: the video id, its coarse score and its selection key.</summary>
internal readonly record struct ShardPair(string Id, float Coarse, float Key);

/// <summary>A shard's answer to the first half of a distributed search (<see cref="RetrievalEngine.SelectOnShard"/>).</summary>
internal sealed record ShardSelection(int LivePairs, int SelectorPairs, ShardPair[] Candidates, ShardPair[] BestCoarse, TimeSpan Coarse, TimeSpan Selection)
{
    /// <summary>Under a policy with region picks, the shard's best region matches (key: the region score); else empty.</summary>
    public ShardPair[] RegionCandidates { get; init; } = [];
}
