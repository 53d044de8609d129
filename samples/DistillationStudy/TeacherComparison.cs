using System.Diagnostics;
using System.Globalization;
using DnS.Core.Evaluation;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>
/// <c>teachers FEATURES ANNOTATIONS DATASET</c>: every FIVR query of a labeled corpus ranks every other video with the
/// chamfer teacher, the whitened teacher and their fusion (the mean of their z-scores, standardized over all scored
/// pairs), scored DSVR/CSVR/ISVR with <see cref="FivrEvaluator"/>. No training: the teachers alone, on a feature set made
/// by <c>dns-train distill</c> (its <c>work/features</c>).
/// </summary>
internal static class TeacherComparison
{
    public static async Task<int> RunAsync(string features, string annotationsPath, string datasetPath, CancellationToken ct)
    {
        var annotations = await FivrAnnotations.LoadAsync(annotationsPath, ct);
        var dataset = (await File.ReadAllLinesAsync(datasetPath, ct)).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        await using var set = await FeatureSetBuilder.OpenAsync(features, ct);
        var source = set.Source;
        var index = Enumerable.Range(0, source.Count).ToDictionary(source.GetId, v => v, StringComparer.Ordinal);
        var queries = annotations.Queries.Select(q => index[q.Query]).ToArray();

        var clock = Stopwatch.StartNew();
        IPairTeacher[] teachers = [ChamferTeacher.For(source), WhitenedTeacher.Fit(source)];
        Console.WriteLine($"whitening fitted in {clock.Elapsed.TotalSeconds:F1} s");
        var scores = new float[teachers.Length][];
        for (int t = 0; t < teachers.Length; t++)
        {
            clock.Restart();
            var column = scores[t] = new float[queries.Length * source.Count];
            var teacher = teachers[t];
            Parallel.For(0, column.Length, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct },
                i => column[i] = teacher.Score(source, queries[i / source.Count], i % source.Count));
            Console.WriteLine($"{teacher.Name}: {column.Length} pairs in {clock.Elapsed.TotalSeconds:F0} s ({column.Length / clock.Elapsed.TotalSeconds:F0} pairs/s)");
        }
        var fused = new float[scores[0].Length];
        var z = new float[fused.Length];
        foreach (var column in scores)
        {
            ScoreFusion.Standardize(column, z);
            for (int i = 0; i < fused.Length; i++) fused[i] += z[i] / scores.Length;
        }

        Console.WriteLine("| teacher | DSVR | CSVR | ISVR |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, column) in teachers.Select((t, i) => (t.Name, scores[i])).Append(("fused (mean of z-scores)", fused)))
        {
            var results = new SimilarityResults();
            for (int q = 0; q < queries.Length; q++)
                results.Add(source.GetId(queries[q]), Enumerable.Range(0, source.Count).Select(v => (source.GetId(v), (double)column[q * source.Count + v])));
            var maps = Enum.GetValues<FivrTask>().Select(task => FivrEvaluator.Evaluate(annotations, results, task, dataset).MeanAveragePrecision);
            Console.WriteLine($"| {name} | {string.Join(" | ", maps.Select(m => m.ToString("F3", CultureInfo.InvariantCulture)))} |");
        }
        return 0;
    }
}
