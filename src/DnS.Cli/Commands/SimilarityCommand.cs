using System.ComponentModel;
using DnS.Core.Evaluation;
using DnS.Core.Features.Decoding;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns similarity</c>: scores of queries against every indexed video, in the FIVR results format.</summary>
internal sealed class SimilarityCommand : AsyncCommand<SimilarityCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandOption("--index <DIR>")]
        [Description("The index directory.")]
        public string Index { get; init; } = "";

        [CommandOption("--queries <FILE>")]
        [Description("One query per line: an indexed id or a video path.")]
        public string Queries { get; init; } = "";

        [CommandOption("--models <DIR>")]
        [Description("Networks to use instead of the ones the index was built with.")]
        public string? Models { get; init; }

        [CommandOption("--policy <POLICY>")]
        [Description("coarse | fine | dns:FRACTION | topk:K | threshold:P; topk and dns take +regions:M (M of the budget to the best region matches, e.g. dns:0.05+regions:5). Default: topk:60+regions:10 (on an index made before region means: dns:0.3 with a selector, else topk:100).")]
        public string? Policy { get; init; }

        [CommandOption("--cluster <ENDPOINTS>")]
        [Description("Score against a DnS cluster instead: its gateways, host:port[[,host:port...]]; --index then only extracts query files.")]
        public string? Cluster { get; init; }

        [CommandOption("--top <N>")]
        [Description("With --cluster: the best N videos per query go into the results (default 1000).")]
        public int Top { get; init; } = 1000;

        [CommandOption("--output <FILE>")]
        [Description("Where to write {query_id: {db_id: score}}.")]
        public string Output { get; init; } = "";

        [CommandOption("--one-by-one")]
        [Description("Scan the library once per query instead of once per batch of queries (same scores; for comparison).")]
        public bool OneByOne { get; init; }

        public override ValidationResult Validate() =>
            (Index.Length == 0 && Cluster is null) || Queries.Length == 0 || Output.Length == 0
                ? ValidationResult.Error("--index (or --cluster), --queries and --output are required")
                : Top < 0 ? ValidationResult.Error("--top must be ≥ 0")
                : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Cluster is not null) return await ClusterAsync(settings, cancellationToken);
        await using var library = await SearchCommand.OpenAsync(settings, settings.Index, settings.Models, cancellationToken);
        var policy = settings.Policy is null ? library.DefaultPolicy : SelectorPolicy.Parse(settings.Policy);
        var results = new SimilarityResults();
        var lines = (await File.ReadAllLinesAsync(settings.Queries, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        int finePairs = 0, failed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var queries = new List<VideoRecord>(lines.Length);
        foreach (var line in lines)
        {
            // A bad query (missing, not a video, undecodable) is reported and the others go on.
            try { queries.Add(await SearchCommand.ResolveQueryAsync(library, line, cancellationToken)); }
            catch (Exception e) when (e is VideoDecodingException or KeyNotFoundException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"failed: query {line}: {e.Message}");
                failed++;
            }
        }
        // All queries at once: one coarse scan of the library per batch of queries instead of one per query.
        var scored = settings.OneByOne
            ? queries.Select(query => library.ScoreAll(query, policy, cancellationToken))
            : library.ScoreAllBatch(queries, policy, cancellationToken);
        foreach (var (query, scores) in queries.Zip(scored))
        {
            finePairs += scores.Statistics.FinePairs;
            var entries = new List<(string, double)>();
            for (int o = 0; o < scores.Merged.Length; o++)
                if (scores.IsLive[o]) entries.Add((scores.Ids[o], scores.Merged[o]));
            results.Add(query.Id, entries);
        }
        await results.SaveAsync(settings.Output, cancellationToken);
        int answered = lines.Length - failed;
        Console.WriteLine($"{answered} queries × {library.Count} videos, policy {policy}: {finePairs} fine pairs, " +
                          $"{clock.Elapsed.TotalMilliseconds / Math.Max(1, answered):F1} ms/query → {settings.Output}" + (failed > 0 ? $"; {failed} queries failed" : ""));
        return failed > 0 ? ExitCodes.SomeFailed : ExitCodes.Success;
    }

    /// <summary>The cluster form: the best <c>--top</c> videos per query (the cluster ranks, it does not list every
    /// score); a query file is extracted with <c>--index</c>'s library, an id is fetched from its shard.</summary>
    private static async Task<int> ClusterAsync(Settings settings, CancellationToken cancellationToken)
    {
        await using var library = settings.Index.Length == 0 ? null : await SearchCommand.OpenAsync(settings, settings.Index, settings.Models, cancellationToken);
        var policy = ClusterConnection.Policy(settings.Policy, library);
        var lines = (await File.ReadAllLinesAsync(settings.Queries, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        await using var cluster = await ClusterConnection.ConnectAsync(settings.Cluster!, cancellationToken);
        var results = new SimilarityResults();
        int failed = 0;
        foreach (var line in lines)
        {
            try
            {
                var result = await ClusterConnection.SearchAsync(cluster, settings.Cluster!, library, line, policy, settings.Top, cancellationToken);
                if (ClusterConnection.ReportMissing(result) != ExitCodes.Success) failed++;
                results.Add(result.Result.QueryId, result.Result.Hits.Select(h => (h.Id, (double)h.Score)).ToList());
            }
            catch (Exception e) when (e is VideoDecodingException or KeyNotFoundException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"failed: query {line}: {e.Message}");
                failed++;
            }
        }
        await results.SaveAsync(settings.Output, cancellationToken);
        Console.WriteLine($"{lines.Length - failed} of {lines.Length} queries complete against the cluster at {settings.Cluster}, policy {policy}, best {settings.Top} each → {settings.Output}");
        return failed > 0 ? ExitCodes.SomeFailed : ExitCodes.Success;
    }
}
