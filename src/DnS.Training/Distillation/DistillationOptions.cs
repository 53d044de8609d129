using DnS.Core;
using DnS.Core.Networks;
using DnS.Training.Teachers;

namespace DnS.Training.Distillation;

/// <summary>What <see cref="DistillationPipeline"/> trains and how (method §1.5 and §2).</summary>
public sealed record DistillationOptions
{
    /// <summary>The fine student to train: <see cref="FineGrainedVariant.Attention"/> (default) or <see cref="FineGrainedVariant.Binary"/>.</summary>
    public FineGrainedVariant FineVariant { get; init; } = FineGrainedVariant.Attention;

    /// <summary>Code bits per region of a binary student; null means D.</summary>
    public int? Bits { get; init; }

    /// <summary>The coarse student's architecture.</summary>
    public CoarseStudentShape Coarse { get; init; } = new();

    /// <summary>How anchors, positives and negatives are mined (with the first teacher).</summary>
    public PairSamplerOptions Sampling { get; init; } = new();

    /// <summary>How several teachers' scores are whitened and fused (ignored for one teacher).</summary>
    public ScoreFusionOptions Fusion { get; init; } = new();

    /// <summary>The fine student's run (learning rate null: 1e-4).</summary>
    public TrainingOptions FineTraining { get; init; } = new() { Epochs = 8 };

    /// <summary>The coarse student's run (learning rate null: the paper's 1e-5, meant for 100k videos; small corpora want ~1e-4).</summary>
    public TrainingOptions CoarseTraining { get; init; } = new() { Epochs = 8, LearningRate = 1e-4 };

    /// <summary>The selector's run.</summary>
    public TrainingOptions SelectorTraining { get; init; } = new() { Epochs = 8 };

    /// <summary>Train a selector (else the model folder has none and search re-ranks the top-K).</summary>
    public bool TrainSelector { get; init; } = true;

    /// <summary>The selector's label threshold t on |Map(fine) − coarse|, Map = <see cref="FineCalibration"/>.</summary>
    public double SelectorThreshold { get; init; } = SelectorTrainer.DefaultThreshold;

    /// <summary>
    /// How the written model folder merges re-ranked fine scores with coarse ones (its <c>fineCalibration</c>), and so
    /// what the selector's labels compare. Default null: both students on the teacher's scale less its baseline b (the
    /// median target of the distractor pairs) — the coarse student learns target − b, since a cosine cannot learn an
    /// offset, and fine scores merge as s − b. A given map (such as the reference evaluation's s/2 + 0.5,
    /// <see cref="FineScoreCalibration.Reference"/>) trains the coarse student on the raw targets and merges by that map;
    /// on the realistic corpus the reference put DnS 5 % at 0.821 DSVR, below the coarse student alone (docs/distillation.md).
    /// </summary>
    public FineScoreCalibration? FineCalibration { get; init; }

    /// <summary>
    /// Fraction of the mined anchors held out of training for the self-check (default 0.2; 0 trains on every anchor and
    /// skips the self-check). The held-out anchors are drawn with <see cref="PairSamplerOptions.Seed"/> of
    /// <see cref="Sampling"/>; neither they nor the positives the teacher mined for them are a training input.
    /// </summary>
    public double HeldOutFraction { get; init; } = 0.2;

    /// <summary>How far (in mAP) a student may rank below its parameter-free counterpart on the held-out anchors and still be installed. Default 0.01.</summary>
    public double SelfCheckTolerance { get; init; } = 0.01;

    /// <summary>
    /// Optional labels for the self-check only (never for training): groups of video ids that are copies of one another
    /// (e.g. a FIVR query with its ND and DS videos). With labels on a held-out anchor, the self-check decides on labeled
    /// mAP instead of agreement with the teacher.
    /// </summary>
    public IReadOnlyList<IReadOnlyCollection<string>>? Relevance { get; init; }

    /// <summary>Parallel teacher scoring.</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Checks every option, the nested sampling, fusion and training options included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (its name is the parameter name).</exception>
    /// <exception cref="ArgumentException">Weighted fusion without usable weights.</exception>
    public void Validate()
    {
        OptionChecks.Defined(FineVariant);
        if (Bits is { } bits) ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1, nameof(Bits));
        ArgumentNullException.ThrowIfNull(Coarse);
        ArgumentNullException.ThrowIfNull(Sampling);
        Sampling.Validate();
        ArgumentNullException.ThrowIfNull(Fusion);
        Fusion.Validate();
        ArgumentNullException.ThrowIfNull(FineTraining);
        FineTraining.Validate();
        ArgumentNullException.ThrowIfNull(CoarseTraining);
        CoarseTraining.Validate();
        ArgumentNullException.ThrowIfNull(SelectorTraining);
        SelectorTraining.Validate();
        OptionChecks.AtLeast(SelectorThreshold, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1);
        if (!(HeldOutFraction >= 0 && HeldOutFraction < 1)) throw new ArgumentOutOfRangeException(nameof(HeldOutFraction), HeldOutFraction, "must be in [0, 1)");
        OptionChecks.AtLeast(SelfCheckTolerance, 0, nameof(SelfCheckTolerance));
    }
}
