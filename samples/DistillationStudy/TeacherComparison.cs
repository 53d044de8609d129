using System.Diagnostics;
using System.Globalization;
using DnS.Core.Evaluation;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>
/// <c>teachers FEATURES ANNOTATIONS DATASET [--parts N] [--resnet-dims K] [--output DIR]</c>: every FIVR query of a labeled corpus ranks
/// every other video with each teacher and with the late fusion of the single teachers (Whiten-MTD's score level: the
/// mean of their z-scores, standardized over all scored pairs, <see cref="ScoreFusion.Standardize"/>), scored
/// DSVR/CSVR/ISVR with <see cref="FivrEvaluator"/>. No training.
/// <list type="bullet">
/// <item>Built-in features (a <c>dns-train distill</c> <c>work/features</c>): the chamfer and the whitened teacher.</item>
/// <item>Combined features (<see cref="FeatureCombiner"/>, <c>--parts N</c> = the built-in part's D): the chamfer on each
/// part alone (built-in whitened, ResNet-18) and the early fusion, the chamfer on the whole concatenation. <c>--resnet-dims K</c>
/// keeps the first K components of the ResNet-18 part (the whitening's largest, as a PCA to K dimensions would).</item>
/// </list>
/// <c>--output</c> keeps each teacher's results in the FIVR results format (<c>results-NAME.json</c>, for per-edit AP);
/// a rerun reads them instead of scoring again.
/// </summary>
internal static class TeacherComparison
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        if (args is not [var features, var annotationsPath, var datasetPath, .. var options] || options.Length % 2 != 0)
        {
            Console.Error.WriteLine("usage: teachers FEATURES ANNOTATIONS DATASET [--parts N] [--resnet-dims K] [--output DIR]");
            return 2;
        }
        var named = options.Chunk(2).ToDictionary(o => o[0], o => o[1], StringComparer.Ordinal);
        int? parts = named.TryGetValue("--parts", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : null;
        int? resnetDims = named.TryGetValue("--resnet-dims", out var k) ? int.Parse(k, CultureInfo.InvariantCulture) : null;
        string? output = named.GetValueOrDefault("--output");
        if (output is not null) Directory.CreateDirectory(output);

        var annotations = await FivrAnnotations.LoadAsync(annotationsPath, ct);
        var dataset = (await File.ReadAllLinesAsync(datasetPath, ct)).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        await using var set = await FeatureSetBuilder.OpenAsync(features, ct);
        var source = set.Source;
        var index = Enumerable.Range(0, source.Count).ToDictionary(source.GetId, v => v, StringComparer.Ordinal);
        var queries = annotations.Queries.Select(q => index[q.Query]).ToArray();

        var clock = Stopwatch.StartNew();
        IRegionFeatureSource[] partSources = parts is int n ? [new PartSource(source, 0, n), new PartSource(source, n, resnetDims ?? source.Dims - n, named.ContainsKey("--resnet-frames"))] : [];
        string resnet = (resnetDims is int kept ? $"resnet18-{kept}" : "resnet18") + (named.ContainsKey("--resnet-frames") ? "-frames" : "");
        (string Key, string Name, IPairTeacher Teacher, IRegionFeatureSource Source)[] teachers = parts is not null
            ? [("builtin-whitened", "built-in whitened", ChamferTeacher.For(partSources[0]), partSources[0]),
               (resnet, resnet, ChamferTeacher.For(partSources[1]), partSources[1]),
               ("early-fusion", "early fusion (chamfer on the concatenation)", ChamferTeacher.For(source), source)]
            : [("chamfer", "chamfer", ChamferTeacher.For(source), source), ("whitened", "whitened", WhitenedTeacher.Fit(source), source)];
        Console.WriteLine($"teachers ready in {clock.Elapsed.TotalSeconds:F1} s");
        var scores = new float[teachers.Length][];
        for (int t = 0; t < teachers.Length; t++)
        {
            var (key, name, teacher, teacherSource) = teachers[t];
            string? cached = output is null ? null : Path.Combine(output, $"scores-{key}.bin");
            if (cached is not null && File.Exists(cached))
            {
                scores[t] = await ReadScoresAsync(cached, queries.Length * source.Count, ct);
                continue;
            }
            clock.Restart();
            var column = scores[t] = new float[queries.Length * source.Count];
            Parallel.For(0, column.Length, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct },
                i => column[i] = teacher.Score(teacherSource, queries[i / source.Count], i % source.Count));
            Console.WriteLine($"{name}: {column.Length} pairs in {clock.Elapsed.TotalSeconds:F0} s ({column.Length / clock.Elapsed.TotalSeconds:F0} pairs/s, 2 threads)");
            if (cached is not null) await File.WriteAllBytesAsync(cached, System.Runtime.InteropServices.MemoryMarshal.AsBytes(column.AsSpan()).ToArray(), ct);
        }
        // Late fusions (teacher indices): the two teachers of the built-in set; on a combined set, the two single-feature
        // teachers, and the whitened built-in teacher with the early fusion.
        (string Key, string Name, int[] Members)[] fusions = parts is null
            ? [("fused", "fused (mean of z-scores)", [0, 1])]
            : [($"late-fusion-{resnet}", $"late fusion (Whiten-MTD: mean of the z-scores of built-in whitened and {resnet})", [0, 1]),
               ("mtd-whitened-early", "Whiten-MTD: mean of the z-scores of built-in whitened and the early fusion", [0, 2])];
        var fused = fusions.Select(f => Fuse(f.Members.Select(m => scores[m]).ToList())).ToList();

        Console.WriteLine("| teacher | DSVR | CSVR | ISVR |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (key, name, column) in teachers.Select((t, i) => (t.Key, t.Name, scores[i])).Concat(fusions.Select((f, i) => (f.Key, f.Name, fused[i]))))
        {
            var results = new SimilarityResults();
            for (int q = 0; q < queries.Length; q++)
                results.Add(source.GetId(queries[q]), Enumerable.Range(0, source.Count).Select(v => (source.GetId(v), (double)column[q * source.Count + v])));
            if (output is not null) await results.SaveAsync(Path.Combine(output, $"results-{key}.json"), ct);
            var maps = Enum.GetValues<FivrTask>().Select(task => FivrEvaluator.Evaluate(annotations, results, task, dataset).MeanAveragePrecision);
            Console.WriteLine($"| {name} | {string.Join(" | ", maps.Select(m => m.ToString("F3", CultureInfo.InvariantCulture)))} |");
        }
        return 0;
    }

    // Whiten-MTD's score level: each teacher's scores standardized over all scored pairs, then averaged.
    private static float[] Fuse(IReadOnlyList<float[]> members)
    {
        var fused = new float[members[0].Length];
        var z = new float[fused.Length];
        foreach (var column in members)
        {
            ScoreFusion.Standardize(column, z);
            for (int i = 0; i < fused.Length; i++) fused[i] += z[i] / members.Count;
        }
        return fused;
    }

    private static async Task<float[]> ReadScoresAsync(string path, int count, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(path, ct);
        if (bytes.Length != count * sizeof(float)) throw new InvalidDataException($"{path}: {bytes.Length} bytes, expected {count} scores; delete it to score again");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
