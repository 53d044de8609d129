using System.ComponentModel;
using DnS.Training.Data;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training;

/// <summary>Teacher, fusion, mining and run-length options shared by <c>dns-train distill</c> and <c>dns-train train student</c>.</summary>
internal abstract class DistillationSettings : TrainingDataSettings
{
    [CommandOption("--teacher <SPEC>")]
    [Description($"The teacher: {TeacherSpecs.Help} (default chamfer).")]
    public string? Teacher { get; init; }

    [CommandOption("--teachers <SPECS>")]
    [Description("Several teachers, comma-separated (needs --whiten): Whiten-MTD multi-teacher distillation.")]
    public string? Teachers { get; init; }

    [CommandOption("--whiten")]
    [Description("Standardize each teacher's scores over the sampled pairs before fusing them.")]
    public bool Whiten { get; init; }

    [CommandOption("--fusion <METHOD>")]
    [Description("maxmin (default: max over teachers for positives, min for negatives) | mean | weighted:W1,W2,…")]
    public string Fusion { get; init; } = "maxmin";

    [CommandOption("--epochs <N>")]
    [Description("Passes over the training pairs per network (default 4).")]
    public int Epochs { get; init; } = 4;

    [CommandOption("--max-frames <N>")]
    [Description("Frames per video in a training step: a random window of this many (default 16; a step costs about frames², and the short windows also augment).")]
    public int MaxFrames { get; init; } = 16;

    [CommandOption("--anchors <FRACTION>")]
    [Description("Fraction of the videos used as anchors (default 0.3).")]
    public double Anchors { get; init; } = 0.3;

    public override ValidationResult Validate() =>
        Teacher is not null && Teachers is not null ? ValidationResult.Error("give --teacher or --teachers, not both")
        : Teachers is not null && !Whiten ? ValidationResult.Error("several teachers score on different scales: --teachers needs --whiten")
        : Epochs < 1 ? ValidationResult.Error("--epochs must be ≥ 1")
        : MaxFrames < 1 ? ValidationResult.Error("--max-frames must be ≥ 1")
        : !(Anchors > 0 && Anchors <= 1) ? ValidationResult.Error("--anchors must be in (0, 1]")
        : ValidationResult.Success();

    /// <exception cref="ArgumentException">An unknown teacher or a missing weights file.</exception>
    public IReadOnlyList<IPairTeacher> CreateTeachers(IRegionFeatureSource features) =>
        TeacherSpecs.Parse((Teachers ?? Teacher ?? "chamfer").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), features);

    public PairSamplerOptions Sampling() => new() { AnchorFraction = Anchors, Seed = Seed };

    public TrainingOptions Training() => new() { Epochs = Epochs, Seed = Seed, MaxFrames = MaxFrames };

    /// <exception cref="ArgumentException">An unknown method or unreadable weights.</exception>
    public ScoreFusionOptions FusionOptions() => Fusion switch
    {
        "maxmin" => new ScoreFusionOptions { Method = FusionMethod.MaxMin },
        "mean" => new ScoreFusionOptions { Method = FusionMethod.Mean },
        _ when Fusion.StartsWith("weighted:", StringComparison.Ordinal) => new ScoreFusionOptions
        {
            Method = FusionMethod.Weighted,
            Weights = Fusion["weighted:".Length..].Split(',').Select(w => float.Parse(w, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
        },
        _ => throw new ArgumentException($"unknown fusion '{Fusion}' (expected maxmin, mean or weighted:W1,W2,…)"),
    };
}
