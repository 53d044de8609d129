using System.Buffers;
using System.Diagnostics;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Core.Retrieval;

/// <summary>
/// The Distill-and-Select cascade over an <see cref="IVideoStore"/>: the coarse student's embedding is scanned
/// against every database video (SIMD dot products over the memory-mapped matrix), a <see cref="SelectorPolicy"/>
/// picks the pairs worth a second look, the fine student re-scores them in parallel, and the merged scores
/// (the calibrated fine score, <see cref="DnsModels.FineCalibration"/> — reference: s/2 + 0.5; for top-K additionally
/// lifted by <see cref="FineScoreCalibration.ShortlistLift"/> so the re-ranked shortlist stays on top) are ranked. Thread-safe.
/// </summary>
public sealed partial class RetrievalEngine
{
    private readonly DnsModels _models;
    private readonly IVideoStore _store;
    private readonly int _degreeOfParallelism;
    private readonly RegionRecall _regionRecall = new();

    /// <summary>Pairs per parallel work item of the selector MLP (large enough to amortize scheduling).</summary>
    private const int SelectorChunk = 8192;

    /// <summary>The ranking depth <see cref="ScoreAll(VideoRecord, SelectorPolicy, CancellationToken)"/> re-scores exactly after an int8 pre-ranking (recall@100's depth).</summary>
    private const int ScoreAllDepth = 100;

    private readonly int _rescoreFactor = 4;

    /// <summary>Creates an engine; the store's schema must match the models.</summary>
    /// <param name="models">The networks that indexed the store.</param>
    /// <param name="store">The database.</param>
    /// <param name="maxDegreeOfParallelism">Threads for the fine stage and batch searches (default: all cores).</param>
    /// <exception cref="ArgumentException">The store was indexed with other networks (dimensions or fine kind differ).</exception>
    public RetrievalEngine(DnsModels models, IVideoStore store, int maxDegreeOfParallelism = -1)
    {
        var schema = store.Schema;
        var fine = models.Fine;
        var expectedKind = fine.Variant == FineGrainedVariant.Binary ? FineFeatureKind.Binary : FineFeatureKind.Float;
        int expectedDims = fine.Variant == FineGrainedVariant.Binary ? fine.Bits : fine.Dims;
        if (schema.CoarseDimensions != models.Coarse.OutputDims || schema.FineKind != expectedKind || schema.Regions != fine.Regions || schema.FineDimensions != expectedDims)
            throw new ArgumentException($"the store holds {schema}, but the models produce coarse {models.Coarse.OutputDims} dims and {expectedKind} fine features of {fine.Regions}×{expectedDims}");
        _models = models;
        _store = store;
        _degreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>
    /// For stores that keep int8 coarse codes beside the floats (<see cref="CoarseEncoding.Int8AndFloat"/>): candidates
    /// re-scored with the exact floats after the int8 pre-ranking, per coarse result the search needs (default 4; at least 1).
    /// </summary>
    /// <remarks>A search needs its <c>top</c> hits, and <c>K</c> for a top-K policy (the larger); <see cref="ScoreAll(VideoRecord, SelectorPolicy, CancellationToken)"/>
    /// needs 100 or K. The best <c>RescoreFactor</c> × needed live videos by the int8 estimate get their exact float
    /// scores (bitwise those of a float scan); the others keep the estimate. A store of <see cref="CoarseEncoding.Int8"/>
    /// keeps no floats: its coarse scores are the estimates.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int RescoreFactor
    {
        get => _rescoreFactor;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(RescoreFactor));
            _rescoreFactor = value;
        }
    }

    /// <summary>Searches with a query already in the store (the query itself is left out of the hits).</summary>
    /// <exception cref="KeyNotFoundException">No live video has that id.</exception>
    public SearchResult Search(string queryId, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        using var snapshot = _store.AcquireSnapshot();
        return snapshot.TryGetRecord(queryId, out var query)
            ? Search(snapshot, query, policy, top, cancellationToken)
            : throw new KeyNotFoundException($"no video '{queryId}' in the index");
    }

    /// <summary>Searches with an indexed query record (see <see cref="Indexing.VideoRecordFactory"/>).</summary>
    /// <param name="query">The query's record (same networks as the store).</param>
    /// <param name="policy">Which pairs the fine stage re-scores.</param>
    /// <param name="top">Hits to return.</param>
    /// <param name="cancellationToken">Stops the fine stage between pairs.</param>
    /// <remarks>The per-video working arrays come from the shared array pool: a search allocates its result and
    /// O(pairs re-ranked) small objects, never arrays of the library's size. The whole search reads one snapshot of the
    /// store (<see cref="IVideoStore.AcquireSnapshot"/>): commits, replacements and compactions meanwhile do not affect it.</remarks>
    public SearchResult Search(VideoRecord query, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        using var snapshot = _store.AcquireSnapshot();
        return Search(snapshot, query, policy, top, cancellationToken);
    }

    /// <summary>A search of one snapshot whose coarse scores may come from a <see cref="CoarseBatch"/> (query <paramref name="batchIndex"/> of it).</summary>
    private SearchResult Search(IVideoStoreView snapshot, VideoRecord query, SelectorPolicy policy, int top, CancellationToken cancellationToken,
        CoarseBatch? batch = null, int batchIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        using var scratch = new QueryScratch(batch?.Total ?? OrdinalCount(snapshot));
        var statistics = Score(snapshot, query, policy, scratch, Needed(policy, top), cancellationToken, batch, batchIndex);
        var clock = Stopwatch.StartNew();
        int total = scratch.Count;
        Span<float> ranked = scratch.Work.AsSpan(0, total);
        int live = MaskDead(scratch.Merged.AsSpan(0, total), scratch.IsLive, ranked);
        // A query that is itself indexed is not its own hit.
        if (snapshot.TryGetOrdinal(query.Id, out int self) && self < total && scratch.IsLive[self])
        {
            ranked[self] = float.NegativeInfinity;
            live--;
        }
        var hits = TopHits(snapshot, ranked, Math.Min(top, live), scratch);
        return new SearchResult(query.Id, policy, hits, statistics with { Merge = statistics.Merge + clock.Elapsed });
    }

    /// <summary>The <paramref name="k"/> best ordinals by <paramref name="ranked"/> as hits: id, merged score, the stage that
    /// scored them last, coarse and fine (NaN: not re-ranked) scores from the scratch.</summary>
    internal static SearchHit[] TopHits(IVideoStoreView snapshot, Span<float> ranked, int k, QueryScratch scratch)
    {
        var ordinals = new int[k];
        var values = new float[k];
        TopK.Select(ranked, ordinals, values);
        var hits = new SearchHit[k];
        for (int i = 0; i < k; i++)
        {
            int o = ordinals[i];
            float fine = scratch.Fine[o];
            hits[i] = new SearchHit(snapshot.GetId(o), scratch.Merged[o], float.IsNaN(fine) ? ScoringStage.Coarse : ScoringStage.Fine, scratch.Coarse[o], fine);
        }
        return hits;
    }

    /// <summary>Searches many queries with the results of <see cref="Search(VideoRecord, SelectorPolicy, int, CancellationToken)"/>
    /// one by one (same hits, same scores bit for bit), but scans the coarse matrix once per batch of up to 64 queries
    /// as a blocked matrix product over the cores; selection, fine stage and merge then run per query, spread over the cores.</summary>
    /// <remarks>Each hit's statistics carry the batch's coarse time divided by its queries.</remarks>
    public IReadOnlyList<SearchResult> SearchBatch(IReadOnlyList<VideoRecord> queries, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var results = new List<SearchResult>(queries.Count);
        using var snapshot = _store.AcquireSnapshot();
        foreach (var batch in Batches(queries.ToArray(), snapshot,
                     (engine, coarse, i, query) => engine.Search(snapshot, query, policy, top, cancellationToken, coarse, i), cancellationToken))
            results.AddRange(batch);
        return results;
    }

    /// <summary>
    /// Scores the query against every database video (the FIVR results format needs them all): coarse for all,
    /// fine for the pairs the policy selects, merged per <see cref="StoreScores.Merged"/>.
    /// </summary>
    public StoreScores ScoreAll(VideoRecord query, SelectorPolicy policy, CancellationToken cancellationToken = default)
    {
        using var snapshot = _store.AcquireSnapshot();
        return ScoreAll(snapshot, query, policy, Ids(snapshot), cancellationToken);
    }

    /// <summary>
    /// <see cref="ScoreAll(VideoRecord, SelectorPolicy, CancellationToken)"/> for many queries (e.g. all queries of a FIVR
    /// run), with the same scores bit for bit, but one coarse scan per batch of up to 64 queries (see
    /// <see cref="SearchBatch"/>); selection, fine stage and merge run per query, spread over the cores.
    /// </summary>
    /// <remarks>The scores are produced lazily, batch by batch, in query order, all from one snapshot of the store, held
    /// until the enumeration ends or its enumerator is disposed (<c>foreach</c> does both). The results of one call share
    /// one <see cref="StoreScores.Ids"/> array.</remarks>
    public IEnumerable<StoreScores> ScoreAllBatch(IReadOnlyList<VideoRecord> queries, SelectorPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(policy);
        return Iterate(queries.ToArray());

        IEnumerable<StoreScores> Iterate(VideoRecord[] all)
        {
            using var snapshot = _store.AcquireSnapshot();
            string[] ids = Ids(snapshot);
            foreach (var batch in Batches(all, snapshot, (engine, coarse, i, query) => engine.ScoreAll(snapshot, query, policy, ids, cancellationToken, coarse, i), cancellationToken))
                foreach (var scores in batch)
                    yield return scores;
        }
    }

    /// <summary>Runs <paramref name="score"/> for every query, a batch at a time: one <see cref="CoarseBatch"/> scan per batch,
    /// then the queries of the batch in parallel, each on a single-threaded engine with this one's settings.</summary>
    private IEnumerable<T[]> Batches<T>(VideoRecord[] queries, IVideoStoreView snapshot, Func<RetrievalEngine, CoarseBatch, int, VideoRecord, T> score,
        CancellationToken cancellationToken)
    {
        var sequential = new RetrievalEngine(_models, _store, 1) { RescoreFactor = RescoreFactor };
        int perBatch = CoarseBatch.QueriesPerBatch(OrdinalCount(snapshot));
        for (int first = 0; first < queries.Length; first += perBatch)
        {
            int start = first, count = Math.Min(perBatch, queries.Length - first);
            var results = new T[count];
            using (var batch = CoarseBatch.Scan(queries.AsSpan(start, count), _store.Schema, snapshot.CoarseBlocks, Parallelism(cancellationToken)))
                Parallel.For(0, count, Parallelism(cancellationToken), i => results[i] = score(sequential, batch, i, queries[start + i]));
            yield return results;
        }
    }

    private StoreScores ScoreAll(IVideoStoreView snapshot, VideoRecord query, SelectorPolicy policy, string[] ids, CancellationToken cancellationToken,
        CoarseBatch? batch = null, int batchIndex = 0)
    {
        using var scratch = new QueryScratch(ids.Length);
        var statistics = Score(snapshot, query, policy, scratch, Needed(policy, ScoreAllDepth), cancellationToken, batch, batchIndex);
        int total = scratch.Count;
        return new StoreScores(scratch.Coarse[..total], scratch.Fine[..total], scratch.Merged[..total], scratch.IsLive[..total], ids, statistics);
    }

    /// <summary>The id of every ordinal of a snapshot.</summary>
    private static string[] Ids(IVideoStoreView snapshot)
    {
        var ids = new string[OrdinalCount(snapshot)];
        for (int o = 0; o < ids.Length; o++) ids[o] = snapshot.GetId(o);
        return ids;
    }

    /// <summary>The coarse results a ranking of <paramref name="top"/> needs exactly: <paramref name="top"/>, or K for a larger top-K shortlist.</summary>
    private static int Needed(SelectorPolicy policy, int top) =>
        policy.Kind == SelectionKind.TopK ? (int)Math.Min(Math.Max(top, policy.Parameter), int.MaxValue) : top;

    internal static int OrdinalCount(IVideoStoreView snapshot)
    {
        int total = 0;
        foreach (var b in snapshot.CoarseBlocks) total = Math.Max(total, b.FirstOrdinal + b.Count);
        return total;
    }

    /// <summary>The cascade into <paramref name="scratch"/>: coarse scan (or the query's row <paramref name="batchIndex"/>
    /// of a <see cref="CoarseBatch"/> that already scanned the same snapshot) with the exact re-scoring of the int8
    /// pre-ranking's best <see cref="RescoreFactor"/> × <paramref name="needed"/>, selection, fine re-scoring, merge.</summary>
    private StageStatistics Score(IVideoStoreView snapshot, VideoRecord query, SelectorPolicy policy, QueryScratch scratch, int needed, CancellationToken cancellationToken,
        CoarseBatch? batch = null, int batchIndex = 0)
    {
        var (livePairs, selectedCount, selectorPairs, coarseTime, selectionTime) = ScanAndSelect(snapshot, query, policy, scratch, needed, cancellationToken, batch, batchIndex);
        int total = scratch.Count;
        float[] coarse = scratch.Coarse, fine = scratch.Fine, merged = scratch.Merged;
        bool[] isLive = scratch.IsLive;
        var clock = Stopwatch.StartNew();
        fine.AsSpan(0, total).Fill(float.NaN);
        int[] selected = scratch.Selected;
        FineStage(query, selectedCount, i => snapshot.GetRecord(selected[i]), (i, similarity) => fine[selected[i]] = similarity, cancellationToken);
        var fineTime = clock.Elapsed;

        clock.Restart();
        float shift = 0f;
        if (policy.NeedsSelector && selectedCount > 0)
        {
            float[] differences = ArrayPool<float>.Shared.Rent(selectedCount);
            for (int i = 0; i < selectedCount; i++) differences[i] = MergedFineScore(policy, fine[selected[i]]) - coarse[selected[i]];
            shift = CoarseScoreShift.Median(differences.AsSpan(0, selectedCount));
            ArrayPool<float>.Shared.Return(differences);
        }
        for (int o = 0; o < total; o++)
            merged[o] = !isLive[o] ? float.NaN : float.IsNaN(fine[o]) ? coarse[o] + shift : MergedFineScore(policy, fine[o]);
        return new StageStatistics(livePairs, selectorPairs, selectedCount, coarseTime, selectionTime, fineTime, clock.Elapsed);
    }

    /// <summary>The coarse scan (or row <paramref name="batchIndex"/> of <paramref name="batch"/>) into the scratch's coarse
    /// scores and live flags, then the policy's selection into <see cref="QueryScratch.Selected"/>.</summary>
    private (int LivePairs, int SelectedCount, int SelectorPairs, TimeSpan Coarse, TimeSpan Selection) ScanAndSelect(IVideoStoreView snapshot, VideoRecord query,
        SelectorPolicy policy, QueryScratch scratch, int needed, CancellationToken cancellationToken, CoarseBatch? batch = null, int batchIndex = 0, int fractionCount = -1)
    {
        if (policy.Insets)
            throw new ArgumentException($"policy '{policy}': the inset stage needs the index's inset side and the query's frames; a VideoLibrary runs it", nameof(policy));
        if (policy.NeedsSelector && _models.Selector is null)
            throw new InvalidOperationException($"policy '{policy}' needs a selector network, and the models have none");
        query.Validate(_store.Schema);
        var blocks = snapshot.CoarseBlocks;
        float[] coarse = scratch.Coarse;
        bool[] isLive = scratch.IsLive;

        var clock = Stopwatch.StartNew();
        isLive.AsSpan(0, scratch.Count).Clear();
        int dims = _store.Schema.CoarseDimensions, livePairs = 0;
        using (var coarseQuery = batch is null ? CoarseQuery.Of(query, _store.Schema) : null)
        {
            foreach (var block in blocks)
            {
                if (coarseQuery is not null)
                    coarseQuery.Scan(block, coarse.AsSpan(block.FirstOrdinal, block.Count));
                else
                    batch!.Scores(batchIndex).Slice(block.FirstOrdinal, block.Count).CopyTo(coarse.AsSpan(block.FirstOrdinal, block.Count));
                for (int row = 0; row < block.Count; row++)
                    if (isLive[block.FirstOrdinal + row] = block.IsLive(row)) livePairs++;
            }
        }
        if (_store.Schema is { HasCoarseCodes: true, HasCoarseFloats: true })
            RescoreExactly(query.Coarse.Span, blocks, scratch, (int)Math.Min((long)RescoreFactor * needed, livePairs));
        var coarseTime = clock.Elapsed + (batch?.TimePerQuery ?? TimeSpan.Zero);

        clock.Restart();
        var (selectedCount, selectorPairs) = Select(snapshot, query, policy, scratch, livePairs, cancellationToken, fractionCount);
        // A selector or region picks may choose pairs the int8 pre-ranking left approximate; their exact coarse scores
        // set the merge's shift (CoarseScoreShift), the same on a shard as over the whole library.
        if ((policy.NeedsSelector || policy.RegionPicks > 0) && _store.Schema is { HasCoarseCodes: true, HasCoarseFloats: true })
            RescoreExactly(query.Coarse.Span, blocks, scratch.Coarse, scratch.Selected.AsSpan(0, selectedCount));
        return (livePairs, selectedCount, selectorPairs, coarseTime, clock.Elapsed);
    }

    /// <summary>The fine student over <paramref name="count"/> pairs of the query, spread over the cores.</summary>
    private void FineStage(VideoRecord query, int count, Func<int, VideoRecord> target, Action<int, float> result, CancellationToken cancellationToken)
    {
        if (count == 0) return;
        var queryFine = ToFineFeatures(query);
        Parallel.For(0, count, Parallelism(cancellationToken), i => result(i, _models.Fine.Similarity(queryFine, ToFineFeatures(target(i)))));
    }

    /// <summary>The merged (ranking) score of a re-ranked pair from its raw fine similarity.</summary>
    /// <remarks>Top-K re-ranks a shortlist (Thinking Fast and Slow): the shortlist stays ahead of every coarse score, so
    /// its calibrated fine scores are lifted to [1, 1 + 2·Scale] (by 1 for the reference s/2 + 0.5). Selector policies
    /// merge on one scale, as DnS's evaluation does, with the query's coarse scores moved onto it by
    /// <see cref="CoarseScoreShift"/>.</remarks>
    private float MergedFineScore(SelectorPolicy policy, float fine) =>
        _models.FineCalibration.Map(fine) + (policy.Kind == SelectionKind.TopK ? _models.FineCalibration.ShortlistLift : 0f);

    /// <summary>Writes the ordinals to re-rank into <see cref="QueryScratch.Selected"/>; returns their count.</summary>
    /// <remarks>A shard of a distributed library passes <paramref name="fractionCount"/>: the number of pairs
    /// <see cref="SelectionKind.SelectorFraction"/> keeps over the whole library, not over this store.</remarks>
    private (int Count, int SelectorPairs) Select(IVideoStoreView snapshot, VideoRecord query, SelectorPolicy policy, QueryScratch scratch, int livePairs,
        CancellationToken cancellationToken, int fractionCount = -1)
    {
        int total = scratch.Count;
        Span<int> selected = scratch.Selected.AsSpan(0, total);
        // A policy's budget, of which RegionPicks go to the best region matches the rest left out.
        int WithRegionPicks(int budget, Func<int, int> choose)
        {
            int picks = Math.Min(policy.RegionPicks, budget), chosen = choose(budget - picks);
            return picks == 0 ? chosen : chosen + _regionRecall.Pick(snapshot, query, scratch, chosen, picks, _degreeOfParallelism);
        }
        switch (policy.Kind)
        {
            case SelectionKind.CoarseOnly:
                return (0, 0);
            case SelectionKind.FineOnly:
                return (LiveOrdinals(scratch.IsLive.AsSpan(0, total), selected), 0);
            case SelectionKind.TopK:
                return (WithRegionPicks((int)Math.Min(policy.Parameter, livePairs), k => Best(scratch.Coarse.AsSpan(0, total), scratch, k)), 0);
        }
        var blocks = snapshot.CoarseBlocks;
        // Selector policies: probability per live pair from [query self-sim, target self-sim, coarse similarity], in
        // chunks over the cores (the MLP costs ≈ 1.4 µs per pair: 136 ms for 100,000 videos on one thread).
        float[] probability = scratch.Work, coarse = scratch.Coarse;
        float querySelf = query.SelfSimilarity;
        foreach (var block in blocks)
        {
            int chunks = (block.Count + SelectorChunk - 1) / SelectorChunk;
            Parallel.For(0, chunks, Parallelism(cancellationToken), c =>
            {
                int start = c * SelectorChunk, count = Math.Min(SelectorChunk, block.Count - start), at = block.FirstOrdinal + start;
                _models.Selector!.Score([querySelf], block.SelfSimilarities.Span.Slice(start, count), coarse.AsSpan(at, count), probability.AsSpan(at, count));
            });
        }
        if (policy.Kind == SelectionKind.SelectorFraction)
            return (WithRegionPicks(fractionCount >= 0 ? Math.Min(fractionCount, livePairs) : (int)Math.Ceiling(policy.Parameter * livePairs),
                k => Best(probability.AsSpan(0, total), scratch, k)), livePairs);
        int count = 0;
        for (int o = 0; o < total; o++)
            if (scratch.IsLive[o] && probability[o] >= policy.Parameter) selected[count++] = o;
        return (count, livePairs);
    }

    /// <summary>Replaces the int8 estimates of the <paramref name="candidates"/> best live ordinals by their exact float
    /// dot products (<see cref="DotKernel"/> on one row: bitwise the float scan's score).</summary>
    private static void RescoreExactly(ReadOnlySpan<float> query, IReadOnlyList<CoarseBlock> blocks, QueryScratch scratch, int candidates)
    {
        if (candidates <= 0) return;
        Best(scratch.Coarse.AsSpan(0, scratch.Count), scratch, candidates);
        Span<int> chosen = scratch.Selected.AsSpan(0, candidates);
        chosen.Sort(); // ordinal order: one walk over the blocks
        RescoreExactly(query, blocks, scratch.Coarse, chosen);
    }

    /// <summary>The exact float dot products of the given ordinals into <paramref name="coarse"/> (one walk over the blocks
    /// when they ascend).</summary>
    private static void RescoreExactly(ReadOnlySpan<float> query, IReadOnlyList<CoarseBlock> blocks, float[] coarse, ReadOnlySpan<int> ordinals)
    {
        int dims = query.Length, b = 0;
        foreach (int o in ordinals)
        {
            if (o < blocks[b].FirstOrdinal) b = 0;
            while (o >= blocks[b].FirstOrdinal + blocks[b].Count) b++;
            var block = blocks[b];
            DotKernel.OneVsMany(query, block.Vectors.Span.Slice((o - block.FirstOrdinal) * dims, dims), coarse.AsSpan(o, 1));
        }
    }

    internal static int LiveOrdinals(ReadOnlySpan<bool> isLive, Span<int> ordinals)
    {
        int count = 0;
        for (int o = 0; o < isLive.Length; o++)
            if (isLive[o]) ordinals[count++] = o;
        return count;
    }

    /// <summary>The <paramref name="k"/> live ordinals of highest <paramref name="scores"/> into the scratch's selection
    /// (scores may live in the scratch's work array: they are masked in place).</summary>
    internal static int Best(Span<float> scores, QueryScratch scratch, int k)
    {
        Span<float> masked = scratch.Work.AsSpan(0, scratch.Count);
        MaskDead(scores, scratch.IsLive, masked);
        float[] values = ArrayPool<float>.Shared.Rent(k);
        TopK.Select(masked, scratch.Selected.AsSpan(0, k), values);
        ArrayPool<float>.Shared.Return(values);
        return k;
    }

    /// <summary>Copies <paramref name="scores"/> into <paramref name="masked"/> (which may be the same memory) with −∞ at
    /// dead ordinals; returns the number of live ones.</summary>
    internal static int MaskDead(ReadOnlySpan<float> scores, ReadOnlySpan<bool> isLive, Span<float> masked)
    {
        int live = 0;
        for (int o = 0; o < scores.Length; o++)
        {
            if (isLive[o]) live++;
            masked[o] = isLive[o] ? scores[o] : float.NegativeInfinity;
        }
        return live;
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _degreeOfParallelism, CancellationToken = cancellationToken };

    // No copy: records are immutable (managed arrays, or memory-mapped segments the search's snapshot holds).
    private FineFeatures ToFineFeatures(VideoRecord record) => _store.Schema.FineKind == FineFeatureKind.Binary
        ? FineFeatures.Wrap(record.FineCodes, _store.Schema.Regions, _store.Schema.FineDimensions)
        : FineFeatures.Wrap(record.FineFloats, _store.Schema.Regions, _store.Schema.FineDimensions);
}
