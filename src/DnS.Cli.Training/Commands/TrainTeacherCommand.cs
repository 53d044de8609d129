using System.ComponentModel;
using DnS.Core.Features;
using DnS.Core.Indexing;
using DnS.Core.Storage;
using DnS.Training.Data;
using DnS.Training.Modules;
using DnS.Training.SelfSupervised;
using DnS.Training.Weights;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train train teacher</c>: train a ViSiL-type teacher with no labels (S2VS-style: augmented views of the same video are
/// positives), for use as <c>dns-train distill --teacher visil:&lt;file&gt;</c>.
/// </summary>
internal sealed class TrainTeacherCommand : AsyncCommand<TrainTeacherCommand.Settings>
{
    public sealed class Settings : TrainingDataSettings
    {
        [CommandOption("--output <FILE>")]
        [Description("The teacher's weights (.safetensors). The augmented views are kept beside it in <FILE>.views/ and the latest checkpoint in <FILE>.checkpoint/, so a rerun skips extraction and resumes training (after a crash or Ctrl+C) where it stopped.")]
        public string Output { get; init; } = "";

        [CommandOption("--steps <N>")]
        [Description("Optimizer steps (default 300).")]
        public int Steps { get; init; } = 300;

        [CommandOption("--views <K>")]
        [Description("Pixel-augmented views extracted per video (default 3).")]
        public int Views { get; init; } = 3;

        [CommandOption("--batch <B>")]
        [Description("Videos per step (default 8; each contributes two views).")]
        public int Batch { get; init; } = 8;

        public override ValidationResult Validate() =>
            Output.Length == 0 ? ValidationResult.Error("--output is required")
            : Steps < 1 || Views < 2 || Batch < 2 ? ValidationResult.Error("--steps must be ≥ 1, --views ≥ 2 and --batch ≥ 2")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (videos, profile, _) = await TrainingData.ResolveAsync(settings.Paths, settings.Index, settings.Backbone, settings.Pca, cancellationToken);
        using var extractor = profile.CreateExtractor();
        if (extractor is not IFrameFeatureEncoder encoder) throw new InvalidOperationException($"the feature extractor of {profile} cannot encode edited frames");
        var viewExtractor = new AugmentedViewExtractor(encoder, viewsPerVideo: settings.Views, seed: settings.Seed);
        await using var store = await FileVideoStore.CreateOrOpenAsync(settings.Output + ".views", viewExtractor.Schema, cancellationToken);
        var report = await viewExtractor.ExtractAsync(videos, store,
            new Progress<IndexProgress>(p => { if (p.Completed % 25 == 0) Console.WriteLine($"views of {p.Completed} videos extracted"); }), cancellationToken: cancellationToken);
        Console.WriteLine($"views: {report.Indexed.Count} videos extracted now, {store.Count} views stored");
        foreach (var failure in report.Failed) Console.Error.WriteLine($"failed: {failure.Source.Path}: {failure.Reason}");

        torch.manual_seed(settings.Seed);
        using var teacher = new ViSiLTeacherModule(encoder.Dimensions);
        string checkpoint = settings.Output + ".checkpoint";
        using var trainer = new SelfSupervisedTeacherTrainer(teacher, new StoreFeatureSource(store),
            new SelfSupervisedOptions { BatchSize = settings.Batch, Seed = settings.Seed, CheckpointDirectory = checkpoint, CheckpointEvery = CheckpointEvery });
        // A checkpoint of another run (other seed, batch or corpus) is discarded and training starts afresh.
        if (CheckpointFolder.TryResume(checkpoint, trainer.LoadCheckpoint, out string? discarded))
            Console.WriteLine($"teacher: resuming from {checkpoint} at step {trainer.StepsDone}");
        else if (discarded is not null)
            Console.WriteLine($"teacher: {discarded}; training from the start");
        if (trainer.StepsDone >= settings.Steps)
        {
            Console.WriteLine($"teacher: the checkpoint has {trainer.StepsDone} steps, nothing left to train");
        }
        else
        {
            int lastTenth = -1;
            var losses = await trainer.TrainAsync(settings.Steps, new Progress<SelfSupervisedProgress>(p =>
            {
                if (p.Step * 10 / p.Steps == lastTenth) return;
                lastTenth = p.Step * 10 / p.Steps;
                Console.WriteLine($"teacher {p.Step}/{p.Steps} loss {p.Losses.Total:F4} (InfoNCE {p.Losses.InfoNce:F4}) ETA {p.Remaining:hh\\:mm\\:ss}");
            }), cancellationToken);
            Console.WriteLine($"teacher trained to step {trainer.StepsDone} (last loss {losses.Total:F4})");
        }
        teacher.eval();
        await teacher.ExportSafeTensorsAsync(settings.Output, cancellationToken);
        Console.WriteLine($"teacher written to {Path.GetFullPath(settings.Output)}; use it with: dns-train distill … --teacher visil:{settings.Output}");
        return ExitCodes.Success;
    }

    private const int CheckpointEvery = 50;
}
