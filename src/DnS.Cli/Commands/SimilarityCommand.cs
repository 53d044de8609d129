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
    public sealed class Settings : CommandSettings
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
        [Description("coarse | fine | dns:FRACTION | topk:K | threshold:P (default: dns:0.3 with a selector, else topk:50).")]
        public string? Policy { get; init; }

        [CommandOption("--output <FILE>")]
        [Description("Where to write {query_id: {db_id: score}}.")]
        public string Output { get; init; } = "";

        [CommandOption("--one-by-one")]
        [Description("Scan the library once per query instead of once per batch of queries (same scores; for comparison).")]
        public bool OneByOne { get; init; }

        public override ValidationResult Validate() =>
            Index.Length == 0 || Queries.Length == 0 || Output.Length == 0
                ? ValidationResult.Error("--index, --queries and --output are required")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var library = await SearchCommand.OpenAsync(settings.Index, settings.Models, cancellationToken);
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
}
