using System.ComponentModel;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using DnS.Training.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train train student</c>: distil one student of an existing model folder again, in place, from any teacher — e.g.
/// re-distillation with the folder's own fine student of an earlier iteration as the teacher (iter1 → iter2).
/// </summary>
internal sealed class TrainStudentCommand : AsyncCommand<TrainStudentCommand.Settings>
{
    public sealed class Settings : DistillationSettings
    {
        [CommandOption("--models <DIR>")]
        [Description("The model folder (from dns-train distill) whose student is trained further and rewritten.")]
        public string Models { get; init; } = "";

        [CommandOption("--network <NAME>")]
        [Description("fine | coarse")]
        public string Network { get; init; } = "";

        public override ValidationResult Validate() =>
            Models.Length == 0 ? ValidationResult.Error("--models is required")
            : Network is not ("fine" or "coarse") ? ValidationResult.Error("--network must be fine or coarse")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var folder = ModelFolder.Load(settings.Models);
        string work = Path.Combine(settings.Models, DistillationPipeline.WorkFolder, $"train-{settings.Network}");
        await using var features = await TrainingData.OpenAsync(settings, Path.Combine(work, "features"), settings.Models, (int)folder.Fine.Dims, cancellationToken);
        var progress = new ConsoleProgress();
        var cache = await DistillationPipeline.ScoreTeachersAsync(features.Source, settings.CreateTeachers(features.Source), work, settings.Sampling(),
            progress: progress, cancellationToken: cancellationToken);
        var pairs = ScoreFusion.Fuse(cache, settings.FusionOptions());

        var training = settings.Training() with { CheckpointDirectory = Path.Combine(work, "checkpoint") };
        StageReport report;
        if (settings.Network == "fine")
        {
            using var trainer = new FineStudentTrainer(folder.Fine, features.Source, pairs, training, itqSample: 0);
            report = DistillationPipeline.TrainStudent(trainer, trainer.MeanAbsoluteError(pairs), DistillationStage.FineStudent, progress, cancellationToken);
            report = report with { ErrorAfter = trainer.MeanAbsoluteError(pairs) };
        }
        else
        {
            using var trainer = new CoarseStudentTrainer(folder.Coarse, features.Source, pairs, training with { LearningRate = 1e-4 });
            report = DistillationPipeline.TrainStudent(trainer, trainer.MeanAbsoluteError(pairs), DistillationStage.CoarseStudent, progress, cancellationToken);
            report = report with { ErrorAfter = trainer.MeanAbsoluteError(pairs) };
        }
        await folder.SaveAsync(cancellationToken);
        Console.WriteLine($"{settings.Network} student from {string.Join(", ", cache.TeacherNames)}: |student − teacher| {report.ErrorBefore:F3} → {report.ErrorAfter:F3} " +
                          $"({report.Steps} steps, {report.Elapsed.TotalSeconds:F0} s); written to {Path.GetFullPath(settings.Models)}");
        if (folder.Selector is not null)
            Console.WriteLine($"the selector was trained on the previous students: retrain it with dns-train train selector --models {settings.Models}");
        return ExitCodes.Success;
    }
}
