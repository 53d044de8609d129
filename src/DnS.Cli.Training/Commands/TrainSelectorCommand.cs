using System.ComponentModel;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using DnS.Training.Teachers;
using DnS.Training.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train train selector</c>: train (or retrain) the selector of a model folder on where its fine and coarse students
/// disagree, |Map(fine) − coarse| &gt; t with Map the folder's fine score calibration (the reference s/2 + 0.5 when
/// its dns-models.json names none), so the selector learns where the folder's own merge changes a score; add it to the folder.
/// </summary>
internal sealed class TrainSelectorCommand : AsyncCommand<TrainSelectorCommand.Settings>
{
    public sealed class Settings : TrainingDataSettings
    {
        [CommandOption("--models <DIR>")]
        [Description("The model folder whose fine and coarse students label the pairs; the selector is written into it.")]
        public string Models { get; init; } = "";

        [CommandOption("--epochs <N>")]
        [Description("Passes over the pairs (default 8).")]
        public int Epochs { get; init; } = 8;

        [CommandOption("--threshold <T>")]
        [Description("Label threshold t on |Map(fine) − coarse| (default 0.2), Map the folder's fine score calibration (fineCalibration in dns-models.json; default s/2 + 0.5).")]
        public double Threshold { get; init; } = SelectorTrainer.DefaultThreshold;

        [CommandOption("--anchors <FRACTION>")]
        [Description("Fraction of the videos used as anchors (default 0.2).")]
        public double Anchors { get; init; } = 0.2;

        public override ValidationResult Validate() =>
            Models.Length == 0 ? ValidationResult.Error("--models is required")
            : Epochs < 1 ? ValidationResult.Error("--epochs must be ≥ 1")
            : !(Threshold >= 0 && Threshold < 1) ? ValidationResult.Error("--threshold must be in [0, 1)")
            : !(Anchors > 0 && Anchors <= 1) ? ValidationResult.Error("--anchors must be in (0, 1]")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var folder = ModelFolder.Load(settings.Models);
        string work = Path.Combine(settings.Models, DistillationPipeline.WorkFolder, "train-selector");
        await using var features = await TrainingData.OpenAsync(settings, Path.Combine(work, "features"), settings.Models, (int)folder.Fine.Dims, cancellationToken);
        var progress = new ConsoleProgress();
        // The folder's own fine student mines the pairs; the selector learns where it and the coarse student disagree.
        var miner = NetworkTeacher.LoadStudent("fine", Path.Combine(settings.Models, folder.Config.FineWeights), folder.Config.Fine);
        var cache = await DistillationPipeline.ScoreTeachersAsync(features.Source, [miner], work,
            new PairSamplerOptions { AnchorFraction = settings.Anchors, Seed = settings.Seed }, progress: progress, cancellationToken: cancellationToken);
        var pairs = ScoreFusion.Fuse(cache);

        var training = new TrainingOptions { Epochs = settings.Epochs, Seed = settings.Seed };
        SelectorPair[] selectorPairs;
        using (var fine = new FineStudentTrainer(folder.Fine, features.Source, pairs, training, itqSample: 0))
        using (var coarse = new CoarseStudentTrainer(folder.Coarse, features.Source, pairs, training))
            selectorPairs = SelectorPairs.FromStudents(pairs, fine, coarse);

        var selector = new SelectorNetworkModule(folder.Fine.Dims);
        folder.ReplaceSelector(selector);
        using (var trainer = new SelectorTrainer(selector, features.Source, selectorPairs, training with { CheckpointDirectory = Path.Combine(work, "checkpoint") },
                   folder.FineCalibration, settings.Threshold))
        {
            var report = DistillationPipeline.TrainSelector(trainer, trainer.Evaluate(selectorPairs), progress, cancellationToken);
            var accuracy = trainer.Evaluate(selectorPairs);
            Console.WriteLine($"selector: accuracy {accuracy.Accuracy:P1} (re-rank {accuracy.PositiveAccuracy:P1} of {accuracy.Positives}, keep {accuracy.NegativeAccuracy:P1} of {accuracy.Negatives}), " +
                              $"{report.Steps} steps, {report.Elapsed.TotalSeconds:F0} s");
        }
        await folder.SaveAsync(cancellationToken);
        Console.WriteLine($"selector (labels |{folder.FineCalibration} − coarse| > {settings.Threshold}, s = fine score) written to {Path.GetFullPath(settings.Models)}");
        return ExitCodes.Success;
    }
}
