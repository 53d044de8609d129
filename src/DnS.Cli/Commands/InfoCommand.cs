using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Library;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns info</c>: what an index holds, what built it and what it costs per video.</summary>
internal sealed class InfoCommand : AsyncCommand<InfoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--index <DIR>")]
        [Description("The index directory.")]
        public string Index { get; init; } = "";

        [CommandOption("--json")]
        [Description("Print as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() => Index.Length == 0 ? ValidationResult.Error("--index is required") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var library = await VideoLibrary.OpenAsync(settings.Index, cancellationToken: cancellationToken);
        var report = library.GetStorageReport();
        var schema = library.Schema;
        var text = library.GetTextStorageReport();
        var insets = library.GetInsetStorageReport();
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
                {
                    schema, builtWith = library.ToString(), sources = library.Sources.Count, report, report.CoarseBytesPerVideo, report.FineBytesPerVideo, report.TotalBytesPerVideo,
                    text = text is null ? null : new { model = library.TextModelFolder, report = text, text.TotalBytesPerVideo },
                    insets = insets is null ? null : new { report = insets, insets.TotalBytesPerVideo },
                },
                new JsonSerializerOptions { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } }));
            return ExitCodes.Success;
        }
        var grid = new Grid().AddColumns(2);
        grid.AddRow("built with", Markup.Escape(library.ToString()));
        grid.AddRow("videos", $"{report.Videos} ({library.Sources.Count} with a recorded source file)");
        grid.AddRow("frames", report.Frames.ToString());
        grid.AddRow("coarse", $"{schema.CoarseDimensions} floats: {report.CoarseBytesPerVideo / 1024:F2} KB/video");
        grid.AddRow("fine", $"{schema.FineKind} {schema.Regions}×{schema.FineDimensions}{(schema.FineKind == FineFeatureKind.Binary ? " bits" : "")} per frame: {report.FineBytesPerVideo / 1024:F2} KB/video");
        grid.AddRow("region means", schema.RegionMeans
            ? $"{schema.Regions}×{schema.FineDimensions} int8: {schema.RegionMeanBytesPerVideo / 1024.0:F2} KB/video"
            : "none (an index made before them; dns index --index DIR --region-means adds them)");
        grid.AddRow("metadata", $"{report.MetadataBytes / 1024.0:F2} KB in all");
        grid.AddRow("total", $"{report.TotalBytes / 1024.0:F2} KB ({report.TotalBytesPerVideo / 1024:F2} KB/video)");
        if (text is not null)
            grid.AddRow("text side", Markup.Escape($"CLIP model {library.TextModelFolder}: {text.Videos} videos, {text.Frames} frames, " +
                                                   $"{text.TotalBytes / 1024.0:F2} KB ({text.TotalBytesPerVideo / 1024:F2} KB/video) in text/"));
        if (insets is not null)
            grid.AddRow("inset side", $"{insets.Videos} videos, {insets.Frames} frames, {insets.TotalBytes / 1024.0:F2} KB ({insets.TotalBytesPerVideo / 1024:F2} KB/video) in insets/");
        AnsiConsole.Write(grid);
        return ExitCodes.Success;
    }
}
