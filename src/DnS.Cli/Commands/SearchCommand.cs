using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns search</c>: rank the index against one query video, or against a text (<c>--text</c>, the index's text side).</summary>
internal sealed class SearchCommand : AsyncCommand<SearchCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandArgument(0, "[video-path-or-id]")]
        [Description("A video file, or the id of an indexed video (or give --text).")]
        public string? Query { get; init; }

        [CommandOption("--text <QUERY>")]
        [Description("Search by text instead: CLIP fast stage over every video, slow re-rank of the policy's selection (needs an index built with --text-model; policy coarse | fine | topk:K, default topk:50).")]
        public string? Text { get; init; }

        [CommandOption("--index <DIR>")]
        [Description("The index directory (with --cluster: only to extract a query file with the index's features and networks).")]
        public string Index { get; init; } = "";

        [CommandOption("--cluster <ENDPOINTS>")]
        [Description("Search a DnS cluster instead: its gateways, host:port[[,host:port...]] (docs/scale.md).")]
        public string? Cluster { get; init; }

        [CommandOption("--models <DIR>")]
        [Description("The networks the index was built with (checked; by default the index's own are used).")]
        public string? Models { get; init; }

        [CommandOption("--top <N>")]
        [Description("Hits to show (default 10).")]
        public int Top { get; init; } = 10;

        [CommandOption("--policy <POLICY>")]
        [Description("coarse | fine | dns:FRACTION | topk:K | threshold:P; topk and dns take +regions:M (M of the budget to the best region matches, e.g. dns:0.05+regions:5); any ends in +insets on an index with an inset side (dns index --insets). Default: topk:60+regions:10, +insets with an inset side (on an index made before region means: dns:0.3 with a selector, else topk:100).")]
        public string? Policy { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Index.Length == 0 && Cluster is null ? ValidationResult.Error("--index or --cluster is required")
            : (Query is null) == (Text is null) ? ValidationResult.Error("give either a query video (path or id) or --text \"...\", not both")
            : Text is not null && Cluster is not null ? ValidationResult.Error("--text searches an index's text side; a cluster holds no text side")
            : Top < 0 ? ValidationResult.Error("--top must be ≥ 0")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Cluster is not null) return await SearchClusterAsync(settings, cancellationToken);
        await using var library = await OpenAsync(settings, settings.Index, settings.Models, cancellationToken);
        var policy = settings.Policy is not null ? SelectorPolicy.Parse(settings.Policy)
            : settings.Text is not null ? VideoLibrary.DefaultTextPolicy : library.DefaultPolicy;
        var result = settings.Text is not null
            ? library.SearchText(settings.Text, policy, settings.Top, cancellationToken)
            : library.Search(await ResolveQueryAsync(library, settings.Query!, cancellationToken), policy, settings.Top, cancellationToken);
        Print(result, settings.Json, text: settings.Text is not null);
        return ExitCodes.Success;
    }

    /// <summary>The same search through a cluster: a query file is extracted with <c>--index</c>'s library, an id is
    /// fetched from its shard. A partial result (shards down) is printed, its missing shards named on stderr, exit 3.</summary>
    private static async Task<int> SearchClusterAsync(Settings settings, CancellationToken cancellationToken)
    {
        await using var library = settings.Index.Length == 0 ? null : await OpenAsync(settings, settings.Index, settings.Models, cancellationToken);
        var policy = ClusterConnection.Policy(settings.Policy, library);
        await using var cluster = await ClusterConnection.ConnectAsync(settings.Cluster!, cancellationToken);
        var result = await ClusterConnection.SearchAsync(cluster, settings.Cluster!, library, settings.Query!, policy, settings.Top, cancellationToken);
        Print(result.Result, settings.Json, text: false);
        return ClusterConnection.ReportMissing(result);
    }

    private static void Print(SearchResult result, bool json, bool text)
    {
        var policy = result.Policy;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                query = result.QueryId,
                policy = policy.ToString(),
                hits = result.Hits.Select(h => new { id = h.Id, score = h.Score, stage = h.Stage.ToString().ToLowerInvariant(), coarse = h.CoarseScore, fine = float.IsNaN(h.FineScore) ? (float?)null : h.FineScore }),
                statistics = new
                {
                    result.Statistics.CoarsePairs, result.Statistics.SelectorPairs, result.Statistics.FinePairs,
                    coarseMs = result.Statistics.Coarse.TotalMilliseconds, selectionMs = result.Statistics.Selection.TotalMilliseconds,
                    fineMs = result.Statistics.Fine.TotalMilliseconds, insetMs = result.Statistics.Inset.TotalMilliseconds, totalMs = result.Statistics.Total.TotalMilliseconds,
                },
            }, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        // A text search's coarse stage is the fast dual encoder, its fine stage the slow re-ranker.
        var (first, second) = text ? ("fast", "slow") : ("coarse", "fine");
        var table = new Table().AddColumns("rank", "id", "score", "stage", first, second);
        int rank = 1;
        foreach (var hit in result.Hits)
            table.AddRow((rank++).ToString(), Markup.Escape(hit.Id), hit.Score.ToString("F4"), hit.Stage.ToString().ToLowerInvariant(),
                hit.CoarseScore.ToString("F4"), float.IsNaN(hit.FineScore) ? "" : hit.FineScore.ToString("F4"));
        AnsiConsole.Write(table);
        var s = result.Statistics;
        Console.WriteLine($"policy {policy}: {s.CoarsePairs} {first} pairs ({s.Coarse.TotalMilliseconds:F2} ms), {s.SelectorPairs} selector pairs, " +
                          $"{s.FinePairs} {second} pairs ({s.Fine.TotalMilliseconds:F2} ms){(policy.Insets ? $", inset stage {s.Inset.TotalMilliseconds:F0} ms" : "")}; total {s.Total.TotalMilliseconds:F2} ms");
    }

    /// <summary>Opens an index for searching; stored embeddings depend on the networks, so <paramref name="models"/> (if given) must be the ones that built it.</summary>
    internal static async Task<VideoLibrary> OpenAsync(DeviceSettings device, string index, string? models, CancellationToken cancellationToken)
    {
        var library = await VideoLibrary.OpenAsync(index, session: device.Session(), cancellationToken: cancellationToken);
        DeviceSettings.ReportFallback(library);
        try
        {
            if (models is not null) await library.EnsureModelsAsync(models, cancellationToken);
            return library;
        }
        catch
        {
            await library.DisposeAsync();
            throw;
        }
    }

    /// <summary>A query given as a video file (extracted on the fly) or as the id of an indexed video.</summary>
    /// <exception cref="KeyNotFoundException">Neither a file nor an indexed id.</exception>
    internal static async Task<VideoRecord> ResolveQueryAsync(VideoLibrary library, string query, CancellationToken cancellationToken) =>
        File.Exists(query) ? await library.CreateQueryAsync(query, cancellationToken: cancellationToken)
        : library.TryGetRecord(query, out var record) ? record
        : throw new KeyNotFoundException($"'{query}' is neither a video file nor the id of an indexed video");
}
