namespace DnS.Core.Evaluation;

/// <summary>
/// How well a cheap stage shortlists for an expensive one, with no labels: for each query, the fraction of the
/// reference run's top <c>N</c> (e.g. fine-only) that the candidate run (e.g. coarse-only) ranks within its top <c>K</c>
/// — the share of the fine stage's best results a top-K cascade re-scores at all. Rankings are stable descending sorts of
/// the file-order entries (ties keep file order, as <see cref="FivrEvaluator"/> ranks) without the query itself.
/// </summary>
public static class CascadeRecall
{
    /// <summary>The mean recall over the queries both runs hold (a query whose reference ranks nothing is skipped).</summary>
    /// <param name="candidate">The shortlisting run (coarse scores).</param>
    /// <param name="reference">The run whose top results should be kept (fine scores).</param>
    /// <param name="top">N, the reference's results that count.</param>
    /// <param name="k">K, the shortlist's length.</param>
    /// <returns>The mean recall in [0, 1] and the number of queries it averages (0 queries: recall NaN).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> or <paramref name="k"/> is not positive.</exception>
    public static (double Recall, int Queries) Compute(SimilarityResults candidate, SimilarityResults reference, int top, int k)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        double sum = 0;
        int queries = 0;
        foreach (string query in reference.Queries)
        {
            if (candidate[query] is not { } shortlistEntries) continue;
            var wanted = Ranked(reference[query]!, query).Take(top).ToList();
            if (wanted.Count == 0) continue;
            var shortlist = Ranked(shortlistEntries, query).Take(k).ToHashSet(StringComparer.Ordinal);
            sum += wanted.Count(shortlist.Contains) / (double)wanted.Count;
            queries++;
        }
        return (queries == 0 ? double.NaN : sum / queries, queries);
    }

    // OrderByDescending is a stable sort: ties keep file order.
    private static IEnumerable<string> Ranked(IReadOnlyList<(string Id, double Score)> entries, string query) =>
        entries.Where(e => e.Id != query).OrderByDescending(e => e.Score).Select(e => e.Id);
}
