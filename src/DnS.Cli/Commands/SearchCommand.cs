using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns search</c>: rank the index against one query video.</summary>
internal sealed class SearchCommand : AsyncCommand<SearchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<video-path-or-id>")]
        [Description("A video file, or the id of an indexed video.")]
        public string Query { get; init; } = "";

        [CommandOption("--index <DIR>")]
        [Description("The index directory.")]
        public string Index { get; init; } = "";

        [CommandOption("--models <DIR>")]
        [Description("The networks the index was built with (checked; by default the index's own are used).")]
        public string? Models { get; init; }

        [CommandOption("--top <N>")]
        [Description("Hits to show (default 10).")]
        public int Top { get; init; } = 10;

        [CommandOption("--policy <POLICY>")]
        [Description("coarse | fine | dns:FRACTION | topk:K | threshold:P (default: dns:0.3 with a selector, else topk:100).")]
        public string? Policy { get; init; }

        [CommandOption("--json")]
        [Description("Print the result as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Index.Length == 0 ? ValidationResult.Error("--index is required")
            : Top < 0 ? ValidationResult.Error("--top must be ≥ 0")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var library = await OpenAsync(settings.Index, settings.Models, cancellationToken);
        var policy = settings.Policy is null ? library.DefaultPolicy : SelectorPolicy.Parse(settings.Policy);
        var query = await ResolveQueryAsync(library, settings.Query, cancellationToken);
        var result = library.Search(query, policy, settings.Top, cancellationToken);

        if (settings.Json)
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
                    fineMs = result.Statistics.Fine.TotalMilliseconds, totalMs = result.Statistics.Total.TotalMilliseconds,
                },
            }, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        var table = new Table().AddColumns("rank", "id", "score", "stage", "coarse", "fine");
        int rank = 1;
        foreach (var hit in result.Hits)
            table.AddRow((rank++).ToString(), Markup.Escape(hit.Id), hit.Score.ToString("F4"), hit.Stage.ToString().ToLowerInvariant(),
                hit.CoarseScore.ToString("F4"), float.IsNaN(hit.FineScore) ? "" : hit.FineScore.ToString("F4"));
        AnsiConsole.Write(table);
        var s = result.Statistics;
        Console.WriteLine($"policy {policy}: {s.CoarsePairs} coarse pairs ({s.Coarse.TotalMilliseconds:F2} ms), {s.SelectorPairs} selector pairs, " +
                          $"{s.FinePairs} fine pairs ({s.Fine.TotalMilliseconds:F2} ms); total {s.Total.TotalMilliseconds:F2} ms");
        return ExitCodes.Success;
    }

    /// <summary>Opens an index for searching; stored embeddings depend on the networks, so <paramref name="models"/> (if given) must be the ones that built it.</summary>
    internal static async Task<VideoLibrary> OpenAsync(string index, string? models, CancellationToken cancellationToken)
    {
        var library = await VideoLibrary.OpenAsync(index, cancellationToken: cancellationToken);
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
