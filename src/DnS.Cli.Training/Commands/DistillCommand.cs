using System.ComponentModel;
using DnS.Core.Library;
using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train distill</c>: train everything the DnS cascade needs (fine student, coarse student, selector) from a teacher
/// on the user's own unlabeled videos, and write a model folder that <c>dns index --models</c> uses.
/// </summary>
internal sealed class DistillCommand : AsyncCommand<DistillCommand.Settings>
{
    public sealed class Settings : DistillationSettings
    {
        [CommandOption("--output <DIR>")]
        [Description("The model folder to write (dns-models.json + safetensors); its work/ subfolder keeps features, teacher scores and checkpoints, so a rerun resumes.")]
        public string Output { get; init; } = "";

        [CommandOption("--fine <VARIANT>")]
        [Description("attention (default) | binary")]
        public string Fine { get; init; } = "attention";

        [CommandOption("--pca-dims <N>")]
        [Description("With a backbone and no --pca: fit a PCA whitening to this many dimensions (default 512) on the corpus and save it as pca.safetensors in the output.")]
        public int PcaDims { get; init; } = 512;

        public override ValidationResult Validate() =>
            PcaDims < 1 ? ValidationResult.Error("--pca-dims must be ≥ 1")
            : Output.Length == 0 ? ValidationResult.Error("--output is required")
            : Fine is not ("attention" or "binary") ? ValidationResult.Error("--fine must be attention or binary")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (videos, stored, storedIn) = await TrainingData.ResolveAsync(settings.Paths, settings.Index, settings.Backbone, settings.Pca, cancellationToken);
        var profile = await TrainingData.WithPcaAsync(stored, videos, settings.Output, settings.PcaDims, fit: true, cancellationToken);
        string work = Path.Combine(settings.Output, DistillationPipeline.WorkFolder);
        // An index built with the parameter-free float models keeps the features; a whitening fitted here makes others.
        await using var features = await TrainingData.FeaturesAsync(Path.Combine(work, "features"), videos, profile, profile == stored ? storedIn : null, cancellationToken);
        var teachers = settings.CreateTeachers(features.Source);
        var training = settings.Training();
        var options = new DistillationOptions
        {
            FineVariant = settings.Fine == "binary" ? FineGrainedVariant.Binary : FineGrainedVariant.Attention,
            Sampling = settings.Sampling(),
            Fusion = settings.FusionOptions(),
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
                          $"use them with: dns index <videos> --index <dir> --models {settings.Output}" +
                          (profile.Extractor switch
                          {
                              FeatureExtractorKind.Onnx => $" --features onnx:{profile.Backbone}",
                              FeatureExtractorKind.ResNet18 => " --features resnet18",
                              _ => "",
                          }) + (profile.Pca is null ? "" : $" --pca {profile.Pca}"));
        return ExitCodes.Success;
    }
}
