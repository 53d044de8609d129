using System.ComponentModel;
using DnS.Core.Library;
using DnS.Core.Evaluation;
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
        [Description("attention | binary | chamfer (no fine student: the folder re-ranks with the parameter-free region chamfer). Default: chamfer " +
                     "with the chamfer teacher (a student of it can at best tie it), else attention.")]
        public string? Fine { get; init; }

        /// <summary>The fine stage to distil: <see cref="Fine"/>, or the default for the teacher.</summary>
        public string FineStage => Fine ?? (Teachers is null && (Teacher ?? "chamfer") == "chamfer" ? "chamfer" : "attention");

        [CommandOption("--coarse <SHAPE>")]
        [Description("small (default: h-attention over regions, mean over frames) | full (the paper's: + Transformer and NetVLAD; about 10× the time per step at D = 640).")]
        public string Coarse { get; init; } = "small";

        [CommandOption("--pca-dims <N>")]
        [Description("With a backbone and no --pca: fit a PCA whitening to this many dimensions (default 512) on the corpus and save it as pca.safetensors in the output.")]
        public int PcaDims { get; init; } = 512;

        [CommandOption("--held-out <FRACTION>")]
        [Description("Fraction of the anchors held out of training for the self-check (default 0.3; 0 skips the check). A coarse student that ranks the held-out anchors worse than the parameter-free one is kept in <output>/rejected, nothing is installed (exit code 4); a fine student that does is replaced by the region chamfer.")]
        public double HeldOut { get; init; } = 0.3;

        [CommandOption("--annotations <FILE>")]
        [Description("FIVR-style annotation.json: the self-check scores held-out anchors by these labels (a query with its ND and DS videos are copies of one another); never used for training.")]
        public string? Annotations { get; init; }

        public override ValidationResult Validate() =>
            !(HeldOut >= 0 && HeldOut < 1) ? ValidationResult.Error("--held-out must be in [0, 1)")
            : PcaDims < 1 ? ValidationResult.Error("--pca-dims must be ≥ 1")
            : Output.Length == 0 ? ValidationResult.Error("--output is required")
            : Fine is not (null or "attention" or "binary" or "chamfer") ? ValidationResult.Error("--fine must be attention, binary or chamfer")
            : Coarse is not ("small" or "full") ? ValidationResult.Error("--coarse must be small or full")
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
            FineVariant = settings.FineStage switch { "binary" => FineGrainedVariant.Binary, "chamfer" => FineGrainedVariant.ParameterFree, _ => FineGrainedVariant.Attention },
            Coarse = settings.Coarse == "small" ? new CoarseStudentShape { Transformer = false, NetVlad = false } : new CoarseStudentShape(),
            Sampling = settings.Sampling(),
            Fusion = settings.FusionOptions(),
            FineTraining = training,
            CoarseTraining = training with { LearningRate = 1e-4 },
            // The selector's MLP has three inputs: one pass over the pairs fits it (four took 5 of 9 minutes on 590 videos).
            SelectorTraining = training with { Epochs = 1 },
            HeldOutFraction = settings.HeldOut,
            Relevance = settings.Annotations is null ? null : await CopyGroupsAsync(settings.Annotations, cancellationToken),
        };

        var report = await DistillationPipeline.RunAsync(features.Source, teachers, settings.Output, options, new ConsoleProgress(), cancellationToken);
        Console.WriteLine($"distilled from {string.Join(", ", report.Teachers)} on {report.Videos} videos, {report.Anchors} anchors, " +
                          string.Join(", ", report.Pairs.Select(p => $"{p.Value} {p.Key}")) + " pairs");
        Console.WriteLine(settings.FineStage == "chamfer"
            ? $"fine stage:     the region chamfer, no student (|chamfer − teacher| {report.Fine.ErrorAfter:F3})"
            : $"fine student:   |student − teacher| {report.Fine.ErrorBefore:F3} → {report.Fine.ErrorAfter:F3} ({report.Fine.Steps} steps, {report.Fine.Elapsed.TotalSeconds:F0} s)");
        Console.WriteLine($"coarse student: |student − teacher| {report.Coarse.ErrorBefore:F3} → {report.Coarse.ErrorAfter:F3} ({report.Coarse.Steps} steps, {report.Coarse.Elapsed.TotalSeconds:F0} s)");
        if (report.SelectorAccuracy is { } accuracy)
            Console.WriteLine($"selector:       accuracy {accuracy.Accuracy:P1} (re-rank {accuracy.PositiveAccuracy:P1} of {accuracy.Positives}, keep {accuracy.NegativeAccuracy:P1} of {accuracy.Negatives})");
        if (report.SelfCheck is { } check) WriteSelfCheck(check);
        if (report.ChamferFine && report.SelfCheck is { FineStudentPassed: false } fineCheck)
            Console.WriteLine($"{fineCheck.Failures[^1]}: the folder re-ranks with the region chamfer instead, and the student is kept in " +
                              $"{Path.Combine(Path.GetFullPath(settings.Output), DistillationPipeline.RejectedFolder)}");
        if (!report.Installed)
        {
            Console.Error.WriteLine($"refused: {string.Join("; ", report.SelfCheck!.Failures)}. The models were kept in {report.ModelDirectory}, not installed " +
                                    "(more anchors, more epochs or a stronger teacher may help; see docs/distillation.md).");
            return ExitCodes.ModelsRefused;
        }
        Console.WriteLine($"models written to {Path.GetFullPath(settings.Output)} in {report.Elapsed.TotalSeconds:F0} s (peak memory {report.PeakWorkingSetBytes >> 20} MiB); " +
                          $"use them with: dns index <videos> --index <dir> --models {settings.Output}" +
                          (profile.Extractor switch
                          {
                              FeatureExtractorKind.Onnx => $" --features onnx:{profile.Backbone}",
                              FeatureExtractorKind.ResNet18 => " --features resnet18",
                              FeatureExtractorKind.Both => " --features both",
                              _ => "",
                          }) + (profile.Pca is null ? "" : $" --pca {profile.Pca}") + (profile.BuiltInPca is null ? "" : $" --builtin-pca {profile.BuiltInPca}"));
        return ExitCodes.Success;
    }

    // A FIVR query and its ND and DS videos (the DSVR task's relevant set) are copies of one another.
    private static async Task<IReadOnlyList<IReadOnlyCollection<string>>> CopyGroupsAsync(string path, CancellationToken cancellationToken)
    {
        var annotations = await FivrAnnotations.LoadAsync(path, cancellationToken);
        var labels = FivrTask.DSVR.RelevantLabels();
        return annotations.Queries.Select(q => (IReadOnlyCollection<string>)[q.Query, .. labels.SelectMany(l => q.Labels.TryGetValue(l, out var ids) ? ids : [])]).ToList();
    }

    private static void WriteSelfCheck(SelfCheckReport check)
    {
        Console.WriteLine($"self-check on {check.HeldOutAnchors} held-out anchors ({check.LabeledAnchors} labeled), decided on {check.Measure}: " +
                          "agreement with the teacher / labeled mAP");
        foreach (var (name, ranking) in new[] { ("teacher", check.Teacher), ("fine student", check.FineStudent), ("coarse student", check.CoarseStudent),
                     ("parameter-free fine", check.ParameterFreeFine), ("parameter-free coarse", check.ParameterFreeCoarse) }
                     .Concat(check.SingleTeachers.Select(t => ($"teacher {t.Key} alone", t.Value))))
            Console.WriteLine($"  {name,-22} {ranking.TeacherAgreement:F3} / {(ranking.LabeledMap is { } map ? map.ToString("F3", System.Globalization.CultureInfo.InvariantCulture) : "-")}");
    }
}
