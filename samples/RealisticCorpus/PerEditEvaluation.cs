using System.Text.Json;
using DnS.Core.Evaluation;

namespace RealisticCorpus;

/// <summary>The AP of one edit kind over the queries that have copies of it.</summary>
internal sealed record EditAveragePrecision(string Edit, string Label, int Queries, int Copies, double MeanAveragePrecision);

/// <summary>
/// Per-edit AP with the library's FIVR evaluator: for edit kind E, each query's relevant set is its copies of kind E,
/// and its other related copies (other edits, partial copies, views) are removed from its ranking, so they neither
/// count as hits nor push E's copies down. The AP itself is <see cref="FivrEvaluator"/>'s (FIVR protocol).
/// </summary>
internal static class PerEditEvaluation
{
    public static async Task<IReadOnlyList<EditAveragePrecision>> EvaluateAsync(SimilarityResults results, IReadOnlyList<CopyLabel> copies, CancellationToken ct)
    {
        var related = copies.GroupBy(c => c.Query).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var rows = new List<EditAveragePrecision>();
        foreach (var kind in copies.GroupBy(c => c.Edit).OrderBy(g => Order(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var annotation = kind.GroupBy(c => c.Query).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new Dictionary<string, string[]> { ["ND"] = g.Select(c => c.Id).ToArray() });
            var filtered = new SimilarityResults();
            foreach (var query in annotation.Keys)
            {
                var entries = results[query];
                if (entries is null) continue;
                var own = annotation[query]["ND"].ToHashSet(StringComparer.Ordinal);
                filtered.Add(query, entries.Where(e => own.Contains(e.Id) || !related[query].Contains(e.Id)));
            }
            var evaluation = FivrEvaluator.Evaluate(await AnnotationsAsync(annotation, ct).ConfigureAwait(false), filtered, FivrTask.DSVR);
            rows.Add(new EditAveragePrecision(kind.Key, kind.First().Label, evaluation.PerQuery.Count, kind.Count(), evaluation.MeanAveragePrecision));
        }
        return rows;
    }

    /// <summary>Near-duplicate edits in their list order, then DS, CS, IS.</summary>
    private static int Order(string edit) => Array.IndexOf(EditKinds.NearDuplicate, edit) is >= 0 and var i ? i : edit switch
    {
        EditKinds.Partial => 100,
        EditKinds.OverlappingView => 101,
        _ => 102,
    };

    /// <summary>FivrAnnotations reads the official file format only, so the per-edit ground truth goes through a file.</summary>
    private static async Task<FivrAnnotations> AnnotationsAsync(Dictionary<string, Dictionary<string, string[]>> annotation, CancellationToken ct)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(annotation), ct).ConfigureAwait(false);
            return await FivrAnnotations.LoadAsync(path, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
