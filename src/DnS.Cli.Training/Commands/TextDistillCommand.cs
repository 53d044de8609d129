using System.ComponentModel;
using DnS.Core.Text;
using DnS.Training.Distillation;
using DnS.Training.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train text distill</c>: train the fast side of text search (learned pooling of frame embeddings) to rank the
/// user's videos as the slow text-conditioned attention does, for the queries of a text file; a rerun resumes.
/// </summary>
internal sealed class TextDistillCommand : AsyncCommand<TextDistillCommand.Settings>
{
    public sealed class Settings : TextSettings
    {
        [CommandOption("--queries <FILE>")]
        [Description("Text queries, one per line (blank lines skipped); every fifth is held out to measure agreement on unseen queries.")]
        public string Queries { get; init; } = "";

        [CommandOption("--output <DIR>")]
        [Description("Where text-pooling.safetensors and text-distill-report.json go; its work/ subfolder keeps the checkpoint, so a rerun resumes.")]
        public string Output { get; init; } = "";

        [CommandOption("--teacher-temperature <T>")]
        [Description("τ of the slow model's attention over frames (default 1 / the model's logit scale, or 0.01).")]
        public double? TeacherTemperature { get; init; }

        public override ValidationResult Validate() =>
            Queries.Length == 0 ? ValidationResult.Error("--queries is required")
            : Output.Length == 0 ? ValidationResult.Error("--output is required")
            : TeacherTemperature is { } t && !(t > 0) ? ValidationResult.Error("--teacher-temperature must be > 0")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Queries)) throw new ArgumentException($"no such queries file: {settings.Queries}");
        string[] queries = (await File.ReadAllLinesAsync(settings.Queries, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (queries.Length < 2) throw new ArgumentException($"{settings.Queries} holds {queries.Length} queries; distillation needs at least two (one per line)");

        using var clip = ClipModel.Open(settings.TextModel);
        var videos = await settings.EmbedVideosAsync(clip, cancellationToken);
        var options = new TextDistillationOptions
        {
            Training = settings.Training(null),
            TeacherTemperature = settings.TeacherTemperature ?? 1.0 / (clip.LogitScale ?? 100f),
        };
        var report = await TextDistillation.RunAsync(videos, clip.EncodeText(queries), settings.Output, options, TextSettings.Progress("distill"), cancellationToken);

        if (report.ResumedAt > 0) Console.WriteLine($"resumed from the checkpoint at step {report.ResumedAt}");
        Console.WriteLine($"distilled on {report.Videos} videos and {report.TrainQueries} queries ({report.HeldOutQueries} held out), {report.Steps} steps, τ_teacher {options.TeacherTemperature:G4}");
        Console.WriteLine($"held-out queries: Spearman {report.HeldOutBefore.Spearman:F3} → {report.HeldOutAfter.Spearman:F3}, top-{report.HeldOutAfter.K} overlap {report.HeldOutBefore.TopKOverlap:P0} → {report.HeldOutAfter.TopKOverlap:P0}");
        Console.WriteLine($"training queries: Spearman {report.TrainBefore.Spearman:F3} → {report.TrainAfter.Spearman:F3}, top-{report.TrainAfter.K} overlap {report.TrainBefore.TopKOverlap:P0} → {report.TrainAfter.TopKOverlap:P0}");
        Console.WriteLine($"weights written to {Path.GetFullPath(Path.Combine(settings.Output, TextDistillation.WeightsFileName))} (DnS.Core: LearnedFramePooling.Load)");
        return ExitCodes.Success;
    }
}
