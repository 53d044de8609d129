using System.Globalization;
using DnS.Core.Evaluation;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Samples.Corpus;
using DnS.Training.Data;

namespace DistillationStudy;

/// <summary>
/// <c>cascade FEATURES ANNOTATIONS DATASET [--models DIR [--fine parameter-free]] [--policies LIST] [--part OFFSET,DIMS] [--output DIR]</c>: the retrieval cascade on
/// a feature set (<see cref="TradeOffStudy"/>: each video indexed into an in-memory store, each FIVR query searched
/// against all with one thread, after warm-up): the parameter-free models for the set's R and D (coarse = mean-region
/// cosine, fine = region chamfer), or a model folder such as <c>dns-train distill</c> writes. Prints DSVR/CSVR/ISVR,
/// ms/query and fine pairs/query per policy; <c>--fine parameter-free</c> keeps the folder's coarse student and selector
/// but re-ranks with the region chamfer; <c>--part</c> searches one part of combined features (<see cref="PartSource"/>); <c>--output</c> keeps each policy's results (<c>results-POLICY.json</c>).
/// </summary>
internal static class CascadeComparison
{
    private const string DefaultPolicies = "coarse,topk:30,topk:100,fine";

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        if (args is not [var features, var annotationsPath, var datasetPath, .. var options] || options.Length % 2 != 0)
        {
            Console.Error.WriteLine("usage: cascade FEATURES ANNOTATIONS DATASET [--models DIR [--fine parameter-free]] [--policies coarse,topk:30,…] [--part OFFSET,DIMS] [--output DIR]");
            return 2;
        }
        var named = options.Chunk(2).ToDictionary(o => o[0], o => o[1], StringComparer.Ordinal);
        var policies = named.GetValueOrDefault("--policies", DefaultPolicies).Split(',').Select(SelectorPolicy.Parse).ToList();
        string? output = named.GetValueOrDefault("--output");
        if (output is not null) Directory.CreateDirectory(output);

        var annotations = await FivrAnnotations.LoadAsync(annotationsPath, ct);
        var dataset = (await File.ReadAllLinesAsync(datasetPath, ct)).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        var queries = annotations.Queries.Select(q => q.Query).ToHashSet(StringComparer.Ordinal);
        await using var set = await FeatureSetBuilder.OpenAsync(features, ct);
        IRegionFeatureSource source = set.Source;
        if (named.TryGetValue("--part", out var part))
        {
            int[] range = part.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            source = new PartSource(source, range[0], range[1]);
        }
        var videos = Enumerable.Range(0, source.Count).Select(v => new TradeOffVideo(source.GetId(v), queries.Contains(source.GetId(v)), source.GetFeatures(v))).ToList();
        string name = named.TryGetValue("--models", out var folder) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)) : "parameter-free";
        var models = folder is null ? DnsModels.BuiltIn(source.Regions, source.Dims) : DnsModels.Load(folder);
        if (folder is not null && named.GetValueOrDefault("--fine") == "parameter-free")
        {
            models = new DnsModels(models.Coarse, DnsModels.BuiltIn(source.Regions, source.Dims).Fine, models.Selector, models.FineCalibration);
            name += " + chamfer";
        }

        Console.WriteLine("| configuration | DSVR | CSVR | ISVR | ms/query (1 thread) | fine pairs/query |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        await TradeOffStudy.RunAsync(annotations, videos, [(name, models, policies)], dataset, (row, results) =>
        {
            var maps = Enum.GetValues<FivrTask>().Select(task => FivrEvaluator.Evaluate(annotations, results, task, dataset).MeanAveragePrecision);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Configuration} | {string.Join(" | ", maps.Select(m => m.ToString("F3", CultureInfo.InvariantCulture)))} | {row.MillisecondsPerQuery:F1} | {row.FinePairsPerQuery:F0} |"));
            if (output is not null) results.SaveAsync(Path.Combine(output, $"results-{row.Configuration.Split(", ")[^1].Replace(':', '-')}.json"), ct).GetAwaiter().GetResult();
        }, ct);
        return 0;
    }
}
