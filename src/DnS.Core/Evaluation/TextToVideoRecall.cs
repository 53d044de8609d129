using DnS.Core.Library;
using DnS.Core.Retrieval;

namespace DnS.Core.Evaluation;

/// <summary>
/// Text-to-video retrieval quality of one policy over captioned videos: each caption is a query, its video the one
/// relevant result. R@K is the fraction of queries whose video ranks in the first K; the median rank is NumPy's median
/// of the 1-based ranks (the mean of the two middle ones for an even count), as MSR-VTT papers report it.
/// </summary>
/// <param name="Policy">The selection policy searched with.</param>
/// <param name="Ranks">The 1-based rank of each evaluated query's video, in caption order.</param>
/// <param name="Skipped">Captions of videos the text side does not hold (not evaluated).</param>
/// <param name="SlowPairsPerQuery">Videos the slow stage re-scored per query.</param>
public sealed record TextToVideoRecall(SelectorPolicy Policy, IReadOnlyList<int> Ranks, int Skipped, double SlowPairsPerQuery)
{
    /// <summary>Fraction of queries whose video is in the first 1.</summary>
    public double RecallAt1 => RecallAt(1);

    /// <summary>Fraction of queries whose video is in the first 5.</summary>
    public double RecallAt5 => RecallAt(5);

    /// <summary>Fraction of queries whose video is in the first 10.</summary>
    public double RecallAt10 => RecallAt(10);

    /// <summary>The median 1-based rank (NaN without queries).</summary>
    public double MedianRank
    {
        get
        {
            if (Ranks.Count == 0) return double.NaN;
            var sorted = Ranks.Order().ToArray();
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
        }
    }

    /// <summary>Fraction of queries whose video ranks in the first <paramref name="k"/> (NaN without queries).</summary>
    public double RecallAt(int k) => Ranks.Count == 0 ? double.NaN : Ranks.Count(r => r <= k) / (double)Ranks.Count;

    /// <summary>
    /// Ranks every video of <paramref name="library"/>'s text side for every caption under each policy (the captions
    /// are embedded once, in batches).
    /// </summary>
    /// <exception cref="InvalidOperationException">The library has no text side.</exception>
    /// <exception cref="ArgumentException">A selector policy.</exception>
    public static IReadOnlyList<TextToVideoRecall> Evaluate(VideoLibrary library, VideoCaptions captions, IReadOnlyList<SelectorPolicy> policies,
        CancellationToken cancellationToken = default)
    {
        var pairs = captions.Pairs;
        var embeddings = library.EncodeText(pairs.Select(p => p.Sentence).ToList());
        int dimension = embeddings.Length / Math.Max(pairs.Count, 1);
        var results = new List<TextToVideoRecall>();
        foreach (var policy in policies)
        {
            var ranks = new List<int>();
            long slowPairs = 0;
            int skipped = 0;
            for (int q = 0; q < pairs.Count; q++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = library.SearchTextEmbedding(pairs[q].Sentence, embeddings.AsMemory(q * dimension, dimension), policy, int.MaxValue, cancellationToken);
                slowPairs += result.Statistics.FinePairs;
                int position = result.Hits.Select(h => h.Id).ToList().IndexOf(pairs[q].VideoId);
                if (position < 0) skipped++;
                else ranks.Add(position + 1);
            }
            results.Add(new TextToVideoRecall(policy, ranks, skipped, pairs.Count == 0 ? 0 : slowPairs / (double)pairs.Count));
        }
        return results;
    }
}
