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
public sealed class RetrievalEngine
{
    private readonly DnsModels _models;
    private readonly IVideoStore _store;
    private readonly int _degreeOfParallelism;

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

    /// <summary>Searches with a query already in the store (the query itself is left out of the hits).</summary>
    /// <exception cref="KeyNotFoundException">No live video has that id.</exception>
    public SearchResult Search(string queryId, SelectorPolicy policy, int top, CancellationToken cancellationToken = default) =>
        _store.TryGetRecord(queryId, out var query)
            ? Search(query, policy, top, cancellationToken)
            : throw new KeyNotFoundException($"no video '{queryId}' in the index");

    /// <summary>Searches with an indexed query record (see <see cref="Indexing.VideoRecordFactory"/>).</summary>
    /// <param name="query">The query's record (same networks as the store).</param>
    /// <param name="policy">Which pairs the fine stage re-scores.</param>
    /// <param name="top">Hits to return.</param>
    /// <param name="cancellationToken">Stops the fine stage between pairs.</param>
    public SearchResult Search(VideoRecord query, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var scores = ScoreAll(query, policy, cancellationToken);
        var clock = Stopwatch.StartNew();
        var ranked = scores.Merged.ToArray();
        int live = 0;
        for (int i = 0; i < ranked.Length; i++)
        {
            if (scores.IsLive[i]) live++;
            else ranked[i] = float.NegativeInfinity;
        }
        // A query that is itself indexed is not its own hit.
        if (_store.TryGetOrdinal(query.Id, out int self) && self < ranked.Length && scores.IsLive[self])
        {
            ranked[self] = float.NegativeInfinity;
            live--;
        }
        int k = Math.Min(top, live);
        var ordinals = new int[k];
        var values = new float[k];
        TopK.Select(ranked, ordinals, values);
        var hits = new SearchHit[k];
        for (int i = 0; i < k; i++)
        {
            int o = ordinals[i];
            hits[i] = new SearchHit(_store.GetId(o), scores.Merged[o], float.IsNaN(scores.Fine[o]) ? ScoringStage.Coarse : ScoringStage.Fine, scores.Coarse[o], scores.Fine[o]);
        }
        var statistics = scores.Statistics with { Merge = scores.Statistics.Merge + clock.Elapsed };
        return new SearchResult(query.Id, policy, hits, statistics);
    }

    /// <summary>Searches many queries, spreading them over the cores (each query's fine stage then runs on one thread).</summary>
    public IReadOnlyList<SearchResult> SearchBatch(IReadOnlyList<VideoRecord> queries, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        var results = new SearchResult[queries.Count];
        var sequential = new RetrievalEngine(_models, _store, 1);
        Parallel.For(0, queries.Count, Parallelism(cancellationToken),
            i => results[i] = sequential.Search(queries[i], policy, top, cancellationToken));
        return results;
    }

    /// <summary>
    /// Scores the query against every database video (the FIVR results format needs them all): coarse for all,
    /// fine for the pairs the policy selects, merged per <see cref="StoreScores.Merged"/>.
    /// </summary>
    public StoreScores ScoreAll(VideoRecord query, SelectorPolicy policy, CancellationToken cancellationToken = default)
    {
        if (policy.NeedsSelector && _models.Selector is null)
            throw new InvalidOperationException($"policy '{policy}' needs a selector network, and the models have none");
        query.Validate(_store.Schema);
        var blocks = _store.CoarseBlocks;
        int total = 0;
        foreach (var b in blocks) total = Math.Max(total, b.FirstOrdinal + b.Count);

        var clock = Stopwatch.StartNew();
        var coarse = new float[total];
        var isLive = new bool[total];
        int dims = _store.Schema.CoarseDimensions, livePairs = 0;
        foreach (var block in blocks)
        {
            DotKernel.OneVsMany(query.Coarse.Span, block.Vectors.Span[..(block.Count * dims)], coarse.AsSpan(block.FirstOrdinal, block.Count));
            for (int row = 0; row < block.Count; row++)
                if (isLive[block.FirstOrdinal + row] = block.IsLive(row)) livePairs++;
        }
        var coarseTime = clock.Elapsed;

        clock.Restart();
        var (selected, selectorPairs) = Select(query, policy, blocks, coarse, isLive, livePairs);
        var selectionTime = clock.Elapsed;

        clock.Restart();
        var fine = new float[total];
        Array.Fill(fine, float.NaN);
        if (selected.Length > 0)
        {
            var queryFine = ToFineFeatures(query);
            Parallel.For(0, selected.Length, Parallelism(cancellationToken), i =>
            {
                int o = selected[i];
                fine[o] = _models.Fine.Similarity(queryFine, ToFineFeatures(_store.GetRecord(o)));
            });
        }
        var fineTime = clock.Elapsed;

        clock.Restart();
        var merged = new float[total];
        // Top-K re-ranks a shortlist (Thinking Fast and Slow): the shortlist stays ahead of every coarse score, so its
        // calibrated fine scores are lifted to [1, 1 + 2·Scale] (by 1 for the reference s/2 + 0.5). Selector policies
        // merge on one scale, as DnS's evaluation does.
        var calibration = _models.FineCalibration;
        float lift = policy.Kind == SelectionKind.TopK ? calibration.ShortlistLift : 0f;
        for (int o = 0; o < total; o++)
            merged[o] = !isLive[o] ? float.NaN : float.IsNaN(fine[o]) ? coarse[o] : calibration.Map(fine[o]) + lift;
        var statistics = new StageStatistics(livePairs, selectorPairs, selected.Length, coarseTime, selectionTime, fineTime, clock.Elapsed);
        return new StoreScores(coarse, fine, merged, isLive, statistics);
    }

    private (int[] Selected, int SelectorPairs) Select(VideoRecord query, SelectorPolicy policy, IReadOnlyList<CoarseBlock> blocks, float[] coarse, bool[] isLive, int livePairs)
    {
        switch (policy.Kind)
        {
            case SelectionKind.CoarseOnly:
                return ([], 0);
            case SelectionKind.FineOnly:
                return (LiveOrdinals(isLive, livePairs), 0);
            case SelectionKind.TopK:
                return (Best(coarse, isLive, (int)Math.Min(policy.Parameter, livePairs)), 0);
        }
        // Selector policies: probability per live pair from [query self-sim, target self-sim, coarse similarity].
        var probability = new float[coarse.Length];
        foreach (var block in blocks)
            _models.Selector!.Score([query.SelfSimilarity], block.SelfSimilarities.Span, coarse.AsSpan(block.FirstOrdinal, block.Count), probability.AsSpan(block.FirstOrdinal, block.Count));
        if (policy.Kind == SelectionKind.SelectorFraction)
            return (Best(probability, isLive, (int)Math.Ceiling(policy.Parameter * livePairs)), livePairs);
        var chosen = new List<int>();
        for (int o = 0; o < probability.Length; o++)
            if (isLive[o] && probability[o] >= policy.Parameter) chosen.Add(o);
        return ([.. chosen], livePairs);
    }

    private static int[] LiveOrdinals(bool[] isLive, int count)
    {
        var result = new int[count];
        for (int o = 0, n = 0; o < isLive.Length; o++)
            if (isLive[o]) result[n++] = o;
        return result;
    }

    private static int[] Best(float[] scores, bool[] isLive, int k)
    {
        var masked = (float[])scores.Clone();
        for (int o = 0; o < masked.Length; o++)
            if (!isLive[o]) masked[o] = float.NegativeInfinity;
        var ordinals = new int[k];
        TopK.Select(masked, ordinals, new float[k]);
        return ordinals;
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _degreeOfParallelism, CancellationToken = cancellationToken };

    // No copy: records are immutable (managed arrays or memory-mapped segments that outlive the store's readers).
    private FineFeatures ToFineFeatures(VideoRecord record) => _store.Schema.FineKind == FineFeatureKind.Binary
        ? FineFeatures.Wrap(record.FineCodes, _store.Schema.Regions, _store.Schema.FineDimensions)
        : FineFeatures.Wrap(record.FineFloats, _store.Schema.Regions, _store.Schema.FineDimensions);
}
