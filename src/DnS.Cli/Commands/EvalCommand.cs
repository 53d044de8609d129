using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns eval</c>: FIVR-200K mAP of a results file.</summary>
internal sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--results <FILE>")]
        [Description("Results in the FIVR format {query_id: {db_id: score}}.")]
        public string Results { get; init; } = "";

        [CommandOption("--annotations <FILE>")]
        [Description("The FIVR-200K annotation.json.")]
        public string Annotations { get; init; } = "";

        [CommandOption("--dataset <FILE>")]
        [Description("Database ids, one per line (default: every id counts).")]
        public string? Dataset { get; init; }

        [CommandOption("--json")]
        [Description("Print the mAPs as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Results.Length == 0 || Annotations.Length == 0 ? ValidationResult.Error("--results and --annotations are required") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var annotations = await FivrAnnotations.LoadAsync(settings.Annotations, cancellationToken);
        var results = await SimilarityResults.LoadAsync(settings.Results, cancellationToken);
        HashSet<string>? dataset = settings.Dataset is null ? null
            : new HashSet<string>((await File.ReadAllLinesAsync(settings.Dataset, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0), StringComparer.Ordinal);
        var evaluations = Enum.GetValues<FivrTask>().Select(task => FivrEvaluator.Evaluate(annotations, results, task, dataset)).ToArray();

        if (settings.Json)
        {
            var json = evaluations.ToDictionary(e => e.Task.ToString(), e => new { mAP = e.MeanAveragePrecision, queries = e.PerQuery.Count });
            Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        var table = new Table().AddColumns("task", "mAP", "queries", "skipped");
        foreach (var e in evaluations)
            table.AddRow(e.Task.ToString(), e.MeanAveragePrecision.ToString("F4"), e.PerQuery.Count.ToString(),
                (e.MissingFromResults.Count + e.NotInDataset.Count + e.EmptyRelevantSet.Count).ToString());
        AnsiConsole.Write(table);
        return ExitCodes.Success;
    }
}
