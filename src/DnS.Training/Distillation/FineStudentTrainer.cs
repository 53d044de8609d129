using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Losses;
using DnS.Training.Modules;
using DnS.Training.Teachers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Distillation;

/// <summary>
/// Trains a fine-grained student (attention, binary or parameter-free comparator) on teacher similarities (method
/// §1.5): L1(student, teacher) + 1e-3 × <see cref="SimilarityRegularizationLoss"/> on the raw comparator output of
/// the padded, masked batch; Adam at 1e-4. A binary student's <c>binarization.W</c> starts from <see cref="Itq"/>
/// fitted on a seeded sample of L2-normalized region vectors, and trains through the erf relaxation.
/// </summary>
public sealed class FineStudentTrainer : StudentTrainer<FineGrainedStudentModule>
{
    /// <summary>The paper's learning rate for the fine students.</summary>
    public const double DefaultLearningRate = 1e-4;

    /// <summary>Weight of the similarity regularization next to the L1 loss.</summary>
    public const double RegularizationWeight = 1e-3;

    /// <summary>Region vectors the ITQ initialization samples by default.</summary>
    public const int DefaultItqSample = 50_000;

    // Parameterless and stateless, so one instance serves every trainer.
    private static readonly SimilarityRegularizationLoss Regularization = new();

    /// <summary>Sets up the trainer; for a binary student, fits ITQ and writes it into <c>binarization.W</c>.</summary>
    /// <param name="student">The student (the caller keeps ownership).</param>
    /// <param name="features">Corpus features the pairs index.</param>
    /// <param name="pairs">Teacher-scored pairs.</param>
    /// <param name="options">Run settings.</param>
    /// <param name="itqSample">Region vectors sampled for ITQ; 0 keeps the student's current W (for example loaded weights).</param>
    /// <exception cref="ArgumentException">The features' D differs from the student's.</exception>
    public FineStudentTrainer(FineGrainedStudentModule student, IRegionFeatureSource features, IReadOnlyList<ScoredPair> pairs, TrainingOptions options, int itqSample = DefaultItqSample)
        : base(student, features, pairs, options, DefaultLearningRate)
    {
        if (features.Dims != student.Dims)
            throw new ArgumentException($"features have D = {features.Dims}, the fine student D = {student.Dims}", nameof(features));
        ArgumentOutOfRangeException.ThrowIfNegative(itqSample);
        if (student.Binarization is { } binarization && itqSample > 0)
        {
            using var scope = NewDisposeScope();
            using var sample = RegionSample.Draw(features, itqSample, new Random(StepSeeds.Derive(options.Seed, 0, StepSeeds.Initialization)));
            Itq = Itq.Fit(F.normalize(sample, 2, -1), checked((int)binarization.Bits), seed: StepSeeds.Derive(options.Seed, 1, StepSeeds.Initialization));
            using var noGrad = no_grad();
            binarization.W.copy_(tensor(Itq.Projection, [binarization.Dims, binarization.Bits]));
        }
    }

    /// <summary>The ITQ fit that initialized a binary student, else null.</summary>
    public Itq? Itq { get; }

    /// <inheritdoc/>
    protected override Tensor PairLoss(PaddedBatch anchors, PaddedBatch others, Tensor targets)
    {
        var (raw, valid) = Comparator(anchors, others);
        var similarity = FineGrainedStudentModule.SimilarityOfComparator(raw, valid);
        // Padded cells are set to 0 so only real comparator outputs are pushed back into [−1, 1].
        var regularization = Regularization.forward(raw.masked_fill(valid.logical_not(), FillValues.Zero));
        return F.l1_loss(similarity, targets) + RegularizationWeight * regularization;
    }

    /// <inheritdoc/>
    protected override Tensor PairSimilarities(PaddedBatch anchors, PaddedBatch others)
    {
        var (raw, valid) = Comparator(anchors, others);
        return FineGrainedStudentModule.SimilarityOfComparator(raw, valid);
    }

    private (Tensor Raw, Tensor Valid) Comparator(PaddedBatch anchors, PaddedBatch others)
        => Module.MaskedComparator(Module.IndexVideo(anchors.Features), Module.IndexVideo(others.Features), anchors.Valid, others.Valid);
}
