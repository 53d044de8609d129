using DnS.Training.Data;
using DnS.Training.Teachers;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Distillation;

/// <summary>
/// Distils teacher similarities into a student: each step loads the anchors and the other videos of a batch of
/// <see cref="ScoredPair"/>s as two padded batches and fits the student's pair similarities to the teacher targets.
/// </summary>
/// <typeparam name="TModule">The student network.</typeparam>
public abstract class StudentTrainer<TModule> : DistillationTrainer<TModule, ScoredPair> where TModule : nn.Module
{
    /// <summary>Sets up the trainer.</summary>
    protected StudentTrainer(TModule student, IRegionFeatureSource features, IReadOnlyList<ScoredPair> pairs, TrainingOptions options, double defaultLearningRate)
        : base(student, features, pairs, options, defaultLearningRate)
    {
    }

    /// <inheritdoc/>
    protected sealed override Tensor ComputeLoss(IReadOnlyList<ScoredPair> batch, Random crop)
    {
        using var anchors = LoadVideos(Anchors(batch), crop);
        using var others = LoadVideos(Others(batch), crop);
        return PairLoss(anchors, others, Targets(batch));
    }

    /// <summary>The loss of a batch of pairs: anchors and others pair up by index; <paramref name="targets"/> [B] are the teacher's.</summary>
    protected abstract Tensor PairLoss(PaddedBatch anchors, PaddedBatch others, Tensor targets);

    /// <summary>The student's similarity [B] of padded anchor and other batches (eval or training mode as the module is set).</summary>
    protected abstract Tensor PairSimilarities(PaddedBatch anchors, PaddedBatch others);

    /// <summary>The student's similarity of every pair in eval mode (first frames up to the cap), in pair order.</summary>
    public float[] Similarities(IReadOnlyList<ScoredPair> pairs)
    {
        var result = new float[pairs.Count];
        Module.eval();
        using var noGrad = no_grad();
        for (int start = 0; start < pairs.Count; start += BatchSize)
        {
            using var noGc = NoGcScope.Enter();
            using var scope = NewDisposeScope();
            var batch = Slice(pairs, start, Math.Min(BatchSize, pairs.Count - start));
            using var anchors = LoadVideos(Anchors(batch), null);
            using var others = LoadVideos(Others(batch), null);
            PairSimilarities(anchors, others).data<float>().CopyTo(result.AsSpan(start));
        }
        return result;
    }

    /// <summary>Mean |student − teacher| over <paramref name="pairs"/> in eval mode.</summary>
    public double MeanAbsoluteError(IReadOnlyList<ScoredPair> pairs) => MeanAbsoluteError(pairs, Similarities(pairs));

    /// <summary>Mean |predicted − target| over <paramref name="pairs"/>, given the student's <see cref="Similarities"/> of them.</summary>
    public static double MeanAbsoluteError(IReadOnlyList<ScoredPair> pairs, float[] predicted)
    {
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++) sum += Math.Abs(predicted[i] - pairs[i].Target);
        return sum / predicted.Length;
    }

    private static ScoredPair[] Slice(IReadOnlyList<ScoredPair> pairs, int start, int count)
    {
        var slice = new ScoredPair[count];
        for (int i = 0; i < count; i++) slice[i] = pairs[start + i];
        return slice;
    }

    private static int[] Anchors(IReadOnlyList<ScoredPair> batch)
    {
        var videos = new int[batch.Count];
        for (int i = 0; i < videos.Length; i++) videos[i] = batch[i].Anchor;
        return videos;
    }

    private static int[] Others(IReadOnlyList<ScoredPair> batch)
    {
        var videos = new int[batch.Count];
        for (int i = 0; i < videos.Length; i++) videos[i] = batch[i].Other;
        return videos;
    }

    private static Tensor Targets(IReadOnlyList<ScoredPair> batch)
    {
        var targets = new float[batch.Count];
        for (int i = 0; i < targets.Length; i++) targets[i] = batch[i].Target;
        return tensor(targets);
    }
}
