using System.ComponentModel;
using DnS.Cli.Training;
using DnS.Core.Features;
using DnS.Core.Storage;
using DnS.Training.Data;
using DnS.Training.SelfSupervised;
using DnS.Training.Weights;
using Spectre.Console;
using Spectre.Console.Cli;
using ViSiLTeacherModule = DnS.Training.Modules.ViSiLTeacher;

namespace DnS.Cli.Commands;

/// <summary>
/// <c>dns train teacher</c>: train a ViSiL-type teacher with no labels (S2VS-style: augmented views of the same video are
/// positives), for use as <c>dns distill --teacher visil:&lt;file&gt;</c>.
/// </summary>
internal sealed class TrainTeacherCommand : AsyncCommand<TrainTeacherCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[files-or-folders]")]
        [Description("Training videos (files, or folders searched recursively); or use --index.")]
        public string[] Paths { get; init; } = [];

        [CommandOption("--index <DIR>")]
        [Description("Train on the videos an index was built from, with its feature extractor.")]
        public string? Index { get; init; }

        [CommandOption("--output <FILE>")]
        [Description("The teacher's weights (.safetensors); the augmented views are kept beside it in <FILE>.views/ so a rerun skips extraction.")]
        public string Output { get; init; } = "";

        [CommandOption("--steps <N>")]
        [Description("Optimiser steps (default 300).")]
        public int Steps { get; init; } = 300;

        [CommandOption("--views <K>")]
        [Description("Pixel-augmented views extracted per video (default 3).")]
        public int Views { get; init; } = 3;

        [CommandOption("--batch <B>")]
        [Description("Videos per step (default 8; each contributes two views).")]
        public int Batch { get; init; } = 8;

        [CommandOption("--seed <N>")]
        [Description("Seeds the views, batches and temporal edits (default 0).")]
        public int Seed { get; init; }

        [CommandOption("--backbone <ONNX>")]
        [Description("With files/folders: the ONNX backbone of the features (default: the built-in frame descriptor).")]
        public string? Backbone { get; init; }

        [CommandOption("--pca <FILE>")]
        [Description("With files/folders: PCA whitening of the backbone's region vectors.")]
        public string? Pca { get; init; }

        public override ValidationResult Validate() =>
            Output.Length == 0 ? ValidationResult.Error("--output is required")
            : Steps < 1 || Views < 2 || Batch < 2 ? ValidationResult.Error("--steps must be ≥ 1, --views ≥ 2 and --batch ≥ 2")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (videos, profile) = TrainingData.Resolve(settings.Paths, settings.Index, settings.Backbone, settings.Pca);
        using var extractor = profile.CreateExtractor();
        if (extractor is not IFrameFeatureEncoder encoder) throw new InvalidOperationException($"the feature extractor of {profile} cannot encode edited frames");
        var viewExtractor = new AugmentedViewExtractor(encoder, viewsPerVideo: settings.Views, seed: settings.Seed);
        await using var store = await FileVideoStore.CreateOrOpenAsync(settings.Output + ".views", viewExtractor.Schema, cancellationToken);
        int extracted = await viewExtractor.ExtractAsync(videos.Select(v => (v.Id, v.Path)), store,
            new Progress<int>(done => { if (done % 25 == 0) Console.WriteLine($"views of {done} videos extracted"); }), cancellationToken);
        Console.WriteLine($"views: {extracted} videos extracted now, {store.Count} views stored");

        using var teacher = new ViSiLTeacherModule(encoder.Dimensions);
        using var trainer = new SelfSupervisedTeacherTrainer(teacher, new StoreFeatureSource(store),
            new SelfSupervisedOptions { BatchSize = settings.Batch, Seed = settings.Seed });
        int lastTenth = -1;
        var losses = await trainer.TrainAsync(settings.Steps, new Progress<SelfSupervisedProgress>(p =>
        {
            if (p.Step * 10 / p.Steps == lastTenth) return;
            lastTenth = p.Step * 10 / p.Steps;
            Console.WriteLine($"teacher {p.Step}/{p.Steps} loss {p.Losses.Total:F4} (InfoNCE {p.Losses.InfoNce:F4}) ETA {p.Remaining:hh\\:mm\\:ss}");
        }), cancellationToken);
        teacher.eval();
        await teacher.ExportSafeTensorsAsync(settings.Output, cancellationToken);
        Console.WriteLine($"teacher written to {Path.GetFullPath(settings.Output)} (last loss {losses.Total:F4}); use it with: dns distill … --teacher visil:{settings.Output}");
        return ExitCodes.Success;
    }
}
