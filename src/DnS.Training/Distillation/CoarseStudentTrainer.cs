using DnS.Training.Data;
using DnS.Training.Modules;
using DnS.Training.Teachers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Distillation;

/// <summary>
/// Trains the coarse-grained student on teacher similarities (method §1.5): the student's similarity is the dot
/// product of the two video vectors, the loss L1 to the teacher; Adam at 1e-5 by default, the paper's rate for
/// DnS-100K (small corpora need a larger one, see docs/training.md).
/// </summary>
public sealed class CoarseStudentTrainer : StudentTrainer<CoarseGrainedStudentModule>
{
    /// <summary>The paper's learning rate for the coarse student.</summary>
    public const double DefaultLearningRate = 1e-5;

    /// <summary>Sets up the trainer.</summary>
    /// <exception cref="ArgumentException">The features' D differs from the student's.</exception>
    public CoarseStudentTrainer(CoarseGrainedStudentModule student, IRegionFeatureSource features, IReadOnlyList<ScoredPair> pairs, TrainingOptions options)
        : base(student, features, pairs, options, DefaultLearningRate)
    {
        if (features.Dims != student.Dims)
            throw new ArgumentException($"features have D = {features.Dims}, the coarse student D = {student.Dims}", nameof(features));
    }

    /// <inheritdoc/>
    protected override Tensor PairLoss(PaddedBatch anchors, PaddedBatch others, Tensor targets)
        => F.l1_loss(PairSimilarities(anchors, others), targets);

    /// <inheritdoc/>
    protected override Tensor PairSimilarities(PaddedBatch anchors, PaddedBatch others)
        => (Module.forward(anchors.Features, anchors.Valid) * Module.forward(others.Features, others.Valid)).sum([1]);
}
