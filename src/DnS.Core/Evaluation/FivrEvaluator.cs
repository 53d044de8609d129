namespace DnS.Core.Evaluation;

/// <summary>
/// mAP by the FIVR-200K protocol, equal to the official <c>evaluation.py</c> bit for bit: annotation-order
/// queries, stable descending sort (ties keep file order), the query itself and ids outside the dataset
/// take no rank, AP divided by the whole relevant set. See <c>docs/evaluation.md</c>.
/// </summary>
public static class FivrEvaluator
{
    /// <summary>Evaluates <paramref name="results"/> on <paramref name="task"/>.</summary>
    /// <param name="annotations">Ground truth.</param>
    /// <param name="results">The run.</param>
    /// <param name="task">DSVR, CSVR or ISVR.</param>
    /// <param name="dataset">The database ids; null means every id counts as part of the dataset.</param>
    public static FivrEvaluation Evaluate(FivrAnnotations annotations, SimilarityResults results, FivrTask task, IReadOnlySet<string>? dataset = null)
    {
        var labels = task.RelevantLabels();
        var perQuery = new List<QueryAveragePrecision>();
        List<string> missing = [], notInDataset = [], emptyRelevant = [];
        foreach (var (query, labeled) in annotations.Queries)
        {
            var entries = results[query];
            if (entries is null) { missing.Add(query); continue; }
            if (dataset is not null && !dataset.Contains(query)) { notInDataset.Add(query); continue; }

            var relevant = new HashSet<string>(StringComparer.Ordinal);
            foreach (var label in labels)
                if (labeled.TryGetValue(label, out var ids))
                    foreach (var id in ids)
                        if (dataset is null || dataset.Contains(id)) relevant.Add(id);
            if (relevant.Count == 0) { emptyRelevant.Add(query); continue; }

            perQuery.Add(AveragePrecision(query, entries, relevant, dataset));
        }
        var aps = new double[perQuery.Count];
        for (int i = 0; i < aps.Length; i++) aps[i] = perQuery[i].AveragePrecision;
        return new FivrEvaluation(task, NumpyMean.Mean(aps), perQuery, missing, notInDataset, emptyRelevant);
    }

    private static QueryAveragePrecision AveragePrecision(string query, IReadOnlyList<(string Id, double Score)> entries,
        HashSet<string> relevant, IReadOnlySet<string>? dataset)
    {
        // OrderByDescending is stable, as Python's sorted(reverse=True) is: ties keep file order.
        double sum = 0;
        int rank = 0, hits = 0;
        foreach (var (id, _) in entries.OrderByDescending(e => e.Score))
        {
            if (id == query || (dataset is not null && !dataset.Contains(id))) continue;
            rank++;
            if (relevant.Contains(id))
            {
                hits++;
                sum += (double)hits / rank;
            }
        }
        return new QueryAveragePrecision(query, sum / relevant.Count, relevant.Count, hits, rank);
    }
}
