using System.ComponentModel;
using DnS.Cli.Training;
using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary>
/// <c>dns distill</c>: train everything the DnS cascade needs (fine student, coarse student, selector) from a teacher
/// on the user's own unlabelled videos, and write a model folder that <c>dns index --models</c> uses.
/// </summary>
internal sealed class DistillCommand : AsyncCommand<DistillCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[files-or-folders]")]
        [Description("Training videos (files, or folders searched recursively); or use --index.")]
        public string[] Paths { get; init; } = [];

        [CommandOption("--index <DIR>")]
        [Description("Train on the videos an index was built from, with its feature extractor.")]
        public string? Index { get; init; }

        [CommandOption("--output <DIR>")]
        [Description("The model folder to write (dns-models.json + safetensors); its work/ subfolder keeps features, teacher scores and checkpoints, so a rerun resumes.")]
        public string Output { get; init; } = "";

        [CommandOption("--teacher <SPEC>")]
        [Description($"The teacher: {TeacherSpecs.Help} (default chamfer).")]
        public string? Teacher { get; init; }

        [CommandOption("--teachers <SPECS>")]
        [Description("Several teachers, comma-separated (needs --whiten): Whiten-MTD multi-teacher distillation.")]
        public string? Teachers { get; init; }

        [CommandOption("--whiten")]
        [Description("Standardise each teacher's scores over the sampled pairs before fusing them.")]
        public bool Whiten { get; init; }

        [CommandOption("--fusion <METHOD>")]
        [Description("maxmin (default: max over teachers for positives, min for negatives) | mean | weighted:W1,W2,…")]
        public string Fusion { get; init; } = "maxmin";

        [CommandOption("--fine <VARIANT>")]
        [Description("attention (default) | binary")]
        public string Fine { get; init; } = "attention";

        [CommandOption("--epochs <N>")]
        [Description("Passes over the training pairs per network (default 8).")]
        public int Epochs { get; init; } = 8;

        [CommandOption("--anchors <FRACTION>")]
        [Description("Fraction of the videos used as anchors (default 0.2).")]
        public double Anchors { get; init; } = 0.2;

        [CommandOption("--seed <N>")]
        [Description("Seeds mining, data order and initialisation (default 0).")]
        public int Seed { get; init; }

        [CommandOption("--backbone <ONNX>")]
        [Description("With files/folders: the ONNX backbone of the features (default: the built-in frame descriptor).")]
        public string? Backbone { get; init; }

        [CommandOption("--pca <FILE>")]
        [Description("With files/folders: PCA whitening of the backbone's region vectors.")]
        public string? Pca { get; init; }

        public override ValidationResult Validate() =>
            Output.Length == 0 ? ValidationResult.Error("--output is required")
            : Teacher is not null && Teachers is not null ? ValidationResult.Error("give --teacher or --teachers, not both")
            : Teachers is not null && !Whiten ? ValidationResult.Error("several teachers score on different scales: --teachers needs --whiten")
            : Fine is not ("attention" or "binary") ? ValidationResult.Error("--fine must be attention or binary")
            : Epochs < 1 ? ValidationResult.Error("--epochs must be ≥ 1")
            : !(Anchors > 0 && Anchors <= 1) ? ValidationResult.Error("--anchors must be in (0, 1]")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (videos, profile) = TrainingData.Resolve(settings.Paths, settings.Index, settings.Backbone, settings.Pca);
        string work = Path.Combine(settings.Output, DistillationPipeline.WorkFolder);
        await using var features = await TrainingData.BuildAsync(Path.Combine(work, "features"), videos, profile, cancellationToken);
        var teachers = TeacherSpecs.Parse((settings.Teachers ?? settings.Teacher ?? "chamfer").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), features.Source);
        var training = new TrainingOptions { Epochs = settings.Epochs, Seed = settings.Seed };
        var options = new DistillationOptions
        {
            FineVariant = settings.Fine == "binary" ? FineGrainedVariant.Binary : FineGrainedVariant.Attention,
            Sampling = new PairSamplerOptions { AnchorFraction = settings.Anchors, Seed = settings.Seed },
            Fusion = ParseFusion(settings.Fusion),
            FineTraining = training,
            CoarseTraining = training with { LearningRate = 1e-4 },
            SelectorTraining = training,
        };

        var report = await DistillationPipeline.RunAsync(features.Source, teachers, settings.Output, options, new ConsoleProgress(), cancellationToken);
        Console.WriteLine($"distilled from {string.Join(", ", report.Teachers)} on {report.Videos} videos, {report.Anchors} anchors, " +
                          string.Join(", ", report.Pairs.Select(p => $"{p.Value} {p.Key}")) + " pairs");
        Console.WriteLine($"fine student:   |student − teacher| {report.Fine.ErrorBefore:F3} → {report.Fine.ErrorAfter:F3} ({report.Fine.Steps} steps, {report.Fine.Elapsed.TotalSeconds:F0} s)");
        Console.WriteLine($"coarse student: |student − teacher| {report.Coarse.ErrorBefore:F3} → {report.Coarse.ErrorAfter:F3} ({report.Coarse.Steps} steps, {report.Coarse.Elapsed.TotalSeconds:F0} s)");
        if (report.SelectorAccuracy is { } accuracy)
            Console.WriteLine($"selector:       accuracy {accuracy.Accuracy:P1} (re-rank {accuracy.PositiveAccuracy:P1} of {accuracy.Positives}, keep {accuracy.NegativeAccuracy:P1} of {accuracy.Negatives})");
        Console.WriteLine($"models written to {Path.GetFullPath(settings.Output)} in {report.Elapsed.TotalSeconds:F0} s (peak memory {report.PeakWorkingSetBytes >> 20} MiB); " +
                          $"use them with: dns index <videos> --index <dir> --models {settings.Output}");
        return ExitCodes.Success;
    }

    private static ScoreFusionOptions ParseFusion(string fusion) => fusion switch
    {
        "maxmin" => new ScoreFusionOptions { Method = FusionMethod.MaxMin },
        "mean" => new ScoreFusionOptions { Method = FusionMethod.Mean },
        _ when fusion.StartsWith("weighted:", StringComparison.Ordinal) => new ScoreFusionOptions
        {
            Method = FusionMethod.Weighted,
            Weights = fusion["weighted:".Length..].Split(',').Select(w => float.Parse(w, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
        },
        _ => throw new ArgumentException($"unknown fusion '{fusion}' (expected maxmin, mean or weighted:W1,W2,…)"),
    };

    // One line per stage change or every few percent: readable in logs and terminals alike.
    private sealed class ConsoleProgress : IProgress<DistillationProgress>
    {
        private DistillationStage? _stage;
        private long _lastPercent = -1;

        public void Report(DistillationProgress p)
        {
            long percent = p.Total == 0 ? 100 : p.Completed * 100 / p.Total;
            if (p.Stage == _stage && percent / 10 == _lastPercent / 10 && p.Completed != p.Total) return;
            _stage = p.Stage;
            _lastPercent = percent;
            string loss = float.IsNaN(p.Loss) ? "" : $" loss {p.Loss:F4}";
            Console.WriteLine($"{p.Stage,-14} {p.Completed}/{p.Total}{loss} ETA {p.Remaining:hh\\:mm\\:ss}");
        }
    }
}
