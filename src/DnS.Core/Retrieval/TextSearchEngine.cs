using System.Diagnostics;
using DnS.Core.Kernels;
using DnS.Core.Storage;
using DnS.Core.Text;

namespace DnS.Core.Retrieval;

/// <summary>
/// Text-to-video search in two stages (<i>Thinking Fast and Slow</i>) over a store whose coarse vectors are pooled
/// CLIP video embeddings and whose fine floats are the T×1×D frame embeddings: the fast stage scans every video with
/// the dot kernel, the policy selects the pairs the slow stage re-scores with <see cref="TextVideoScoring.SlowScore"/>
/// (text-conditioned attention over the frames), and the merged scores are ranked. Thread-safe.
/// </summary>
/// <remarks>
/// Policies: <see cref="SelectorPolicy.CoarseOnly"/> (fast only), <see cref="SelectorPolicy.FineOnly"/> (slow for
/// every video) and <see cref="SelectorPolicy.TopK"/> (the paper's; the K re-scored videos rank ahead of every other,
/// by slow score: their merged score is the slow score + <see cref="ShortlistLift"/>). The selector policies score
/// pairs of videos and are refused.
/// </remarks>
internal sealed class TextSearchEngine(IVideoStore store, float temperature)
{
    /// <summary>Added to the slow scores of a top-K shortlist: slow + 3 ≥ 2 &gt; 1 ≥ any fast score (cosines).</summary>
    public const float ShortlistLift = 3f;

    /// <summary>The slow stage's softmax temperature τ.</summary>
    public float Temperature { get; } = temperature;

    /// <summary>Ranks the store's videos against a normalized text embedding.</summary>
    /// <param name="queryText">The query as typed (the result's <see cref="SearchResult.QueryId"/>).</param>
    /// <param name="query">Its L2-normalized embedding (D floats).</param>
    /// <param name="policy">Which videos the slow stage re-scores.</param>
    /// <param name="top">Hits to return.</param>
    /// <param name="cancellationToken">Stops the slow stage between videos.</param>
    /// <exception cref="ArgumentException">A selector policy, or an embedding of the wrong width.</exception>
    public SearchResult Search(string queryText, ReadOnlyMemory<float> query, SelectorPolicy policy, int top, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        if (policy.NeedsSelector)
            throw new ArgumentException($"policy '{policy}' needs the selector network, which scores pairs of videos; text search takes coarse, fine or topk:K");
        int dims = store.Schema.CoarseDimensions;
        if (query.Length != dims)
            throw new ArgumentException($"the text embedding has {query.Length} dims, the text side holds {dims}");

        using var snapshot = store.AcquireSnapshot();
        int total = RetrievalEngine.OrdinalCount(snapshot);
        using var scratch = new QueryScratch(total);
        float[] fast = scratch.Coarse, slow = scratch.Fine, merged = scratch.Merged;
        bool[] isLive = scratch.IsLive;

        var clock = Stopwatch.StartNew();
        isLive.AsSpan(0, total).Clear();
        int live = 0;
        foreach (var block in snapshot.CoarseBlocks)
        {
            DotKernel.OneVsMany(query.Span, block.Vectors.Span[..(block.Count * dims)], fast.AsSpan(block.FirstOrdinal, block.Count));
            for (int row = 0; row < block.Count; row++)
                if (isLive[block.FirstOrdinal + row] = block.IsLive(row)) live++;
        }
        var fastTime = clock.Elapsed;

        clock.Restart();
        int selected = Select(policy, scratch, live);
        var selectionTime = clock.Elapsed;

        clock.Restart();
        slow.AsSpan(0, total).Fill(float.NaN);
        int[] chosen = scratch.Selected;
        Parallel.For(0, selected, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            int o = chosen[i];
            slow[o] = TextVideoScoring.SlowScore(query.Span, snapshot.GetRecord(o).FineFloats.Span, Temperature);
        });
        var slowTime = clock.Elapsed;

        clock.Restart();
        float lift = policy.Kind == SelectionKind.TopK ? ShortlistLift : 0f;
        for (int o = 0; o < total; o++)
            merged[o] = float.IsNaN(slow[o]) ? fast[o] : slow[o] + lift;
        Span<float> ranked = scratch.Work.AsSpan(0, total);
        RetrievalEngine.MaskDead(merged.AsSpan(0, total), isLive.AsSpan(0, total), ranked);
        var hits = RetrievalEngine.TopHits(snapshot, ranked, Math.Min(top, live), scratch);
        return new SearchResult(queryText, policy, hits, new StageStatistics(live, 0, selected, fastTime, selectionTime, slowTime, clock.Elapsed));
    }

    /// <summary>Writes the ordinals the slow stage re-scores into <see cref="QueryScratch.Selected"/>; returns their count.</summary>
    private static int Select(SelectorPolicy policy, QueryScratch scratch, int live) => policy.Kind switch
    {
        SelectionKind.FineOnly => RetrievalEngine.LiveOrdinals(scratch.IsLive.AsSpan(0, scratch.Count), scratch.Selected),
        SelectionKind.TopK => RetrievalEngine.Best(scratch.Coarse.AsSpan(0, scratch.Count), scratch, (int)Math.Min(policy.Parameter, live)),
        _ => 0,
    };
}
