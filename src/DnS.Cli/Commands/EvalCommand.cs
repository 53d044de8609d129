using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Evaluation;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns eval</c>: FIVR-200K mAP of a results file, or text-to-video recall of an index's text side over a captions file.</summary>
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

        [CommandOption("--captions <FILE>")]
        [Description("Text-to-video recall instead: captions {video_id: [[sentences]]} (or an MSR-VTT / VATEX annotation file) of videos in --index.")]
        public string? Captions { get; init; }

        [CommandOption("--index <DIR>")]
        [Description("With --captions: an index with a text side (dns index --text-model).")]
        public string? Index { get; init; }

        [CommandOption("--policy <POLICY>")]
        [Description("With --captions: the fast+slow policy compared with fast only, topk:K or fine (default topk:50).")]
        public string? Policy { get; init; }

        [CommandOption("--recall-of <FILE>")]
        [Description("Also report the cascade recall: the share of this file's top results (e.g. a fine-only run) that --results (e.g. a coarse-only run) ranks within its top K.")]
        public string? RecallOf { get; init; }

        [CommandOption("--recall-top <N>")]
        [Description("With --recall-of: how many of its top results count (default 10).")]
        public int RecallTop { get; init; } = 10;

        [CommandOption("--recall-at <K,...>")]
        [Description("With --recall-of: the shortlist lengths K (default 25,50,100,200).")]
        public string RecallAt { get; init; } = "25,50,100,200";

        [CommandOption("--json")]
        [Description("Print the mAPs (or recalls) as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Captions is not null || Index is not null
                ? Captions is null || Index is null ? ValidationResult.Error("--captions and --index go together")
                  : Results.Length > 0 || Annotations.Length > 0 ? ValidationResult.Error("give --captions and --index, or --results and --annotations, not both")
                  : ValidationResult.Success()
            : Results.Length == 0 || Annotations.Length == 0 ? ValidationResult.Error("--results and --annotations (or --captions and --index) are required")
            : RecallTop < 1 ? ValidationResult.Error("--recall-top must be at least 1")
            : ShortlistLengths() is null ? ValidationResult.Error($"--recall-at must be positive whole numbers separated by commas, got '{RecallAt}'")
            : ValidationResult.Success();

        /// <summary>The K values of --recall-at, or null when malformed.</summary>
        public int[]? ShortlistLengths()
        {
            var parts = RecallAt.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var values = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) && k > 0 ? k : 0).ToArray();
            return values.Length == 0 || values.Contains(0) ? null : values;
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Captions is not null) return await EvaluateTextAsync(settings, cancellationToken);
        var annotations = await FivrAnnotations.LoadAsync(settings.Annotations, cancellationToken);
        var results = await SimilarityResults.LoadAsync(settings.Results, cancellationToken);
        HashSet<string>? dataset = settings.Dataset is null ? null
            : new HashSet<string>((await File.ReadAllLinesAsync(settings.Dataset, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0), StringComparer.Ordinal);
        var evaluations = Enum.GetValues<FivrTask>().Select(task => FivrEvaluator.Evaluate(annotations, results, task, dataset)).ToArray();
        var recalls = settings.RecallOf is null ? []
            : await RecallsAsync(results, settings.RecallOf, settings.RecallTop, settings.ShortlistLengths()!, cancellationToken);

        if (settings.Json)
        {
            var json = evaluations.ToDictionary(e => e.Task.ToString(), e => (object)new { mAP = e.MeanAveragePrecision, queries = e.PerQuery.Count });
            if (recalls.Length > 0)
                json["CascadeRecall"] = new { top = settings.RecallTop, at = recalls.ToDictionary(r => r.K.ToString(System.Globalization.CultureInfo.InvariantCulture), r => r.Recall), queries = recalls[0].Queries };
            Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        var table = new Table().AddColumns("task", "mAP", "queries", "skipped");
        foreach (var e in evaluations)
            table.AddRow(e.Task.ToString(), e.MeanAveragePrecision.ToString("F4"), e.PerQuery.Count.ToString(),
                (e.MissingFromResults.Count + e.NotInDataset.Count + e.EmptyRelevantSet.Count).ToString());
        AnsiConsole.Write(table);
        if (recalls.Length > 0)
            Console.WriteLine($"cascade recall of the top {settings.RecallTop} of {settings.RecallOf} over {recalls[0].Queries} queries: " +
                string.Join(", ", recalls.Select(r => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"K={r.K} {r.Recall:F3}"))));
        return ExitCodes.Success;
    }

    /// <summary>R@1/5/10 and median rank of fast only and of the fast+slow policy.</summary>
    private static async Task<int> EvaluateTextAsync(Settings settings, CancellationToken cancellationToken)
    {
        var policy = settings.Policy is null ? VideoLibrary.DefaultTextPolicy : SelectorPolicy.Parse(settings.Policy);
        var captions = await VideoCaptions.LoadAsync(settings.Captions!, cancellationToken);
        await using var library = await VideoLibrary.OpenAsync(settings.Index!, cancellationToken: cancellationToken);
        var recalls = TextToVideoRecall.Evaluate(library, captions, [SelectorPolicy.CoarseOnly, policy], cancellationToken);
        string[] names = ["fast", "fast+slow"];
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(recalls.Select((r, i) => new
            {
                name = names[i], policy = r.Policy.ToString(), queries = r.Ranks.Count, skipped = r.Skipped,
                r1 = r.RecallAt1, r5 = r.RecallAt5, r10 = r.RecallAt10, medianRank = r.MedianRank, slowPairsPerQuery = r.SlowPairsPerQuery, ranks = r.Ranks,
            }), new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        var table = new Table().AddColumns("stages", "policy", "R@1", "R@5", "R@10", "MdR", "slow pairs");
        for (int i = 0; i < recalls.Count; i++)
        {
            var r = recalls[i];
            table.AddRow(names[i], r.Policy.ToString(), r.RecallAt1.ToString("F4"), r.RecallAt5.ToString("F4"), r.RecallAt10.ToString("F4"),
                r.MedianRank.ToString("0.#"), r.SlowPairsPerQuery.ToString("0.#"));
        }
        AnsiConsole.Write(table);
        Console.WriteLine($"{recalls[0].Ranks.Count} queries (captions); MdR = median rank; slow pairs = videos re-scored by the slow stage per query");
        if (recalls[0].Skipped > 0)
            Console.Error.WriteLine($"{recalls[0].Skipped} captions name videos the text side does not hold; they were not evaluated");
        return ExitCodes.Success;
    }

    private static async Task<(int K, double Recall, int Queries)[]> RecallsAsync(SimilarityResults shortlist, string referencePath, int top, int[] lengths, CancellationToken cancellationToken)
    {
        var reference = await SimilarityResults.LoadAsync(referencePath, cancellationToken);
        return [.. lengths.Select(k =>
        {
            var (recall, queries) = CascadeRecall.Compute(shortlist, reference, top, k);
            return (k, recall, queries);
        })];
    }
}
