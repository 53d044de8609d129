using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Distillation;

/// <summary>
/// Trains the selector (method §1.5): a pair is labeled 1 when the fine student's score, calibrated onto the coarse
/// scale as the retrieval engine merges it, and the coarse student's differ by more than the threshold,
/// |Map(fine) − coarse| &gt; t (t = 0.2; the reference Map is fine/2 + 0.5), i.e. re-ranking it changes its score. The network (self-similarity attention and comparator included) is fitted end to end with binary
/// cross-entropy whose classes are weighted by inverse frequency over the training pairs, so both count equally.
/// </summary>
public sealed class SelectorTrainer : DistillationTrainer<SelectorNetworkModule, SelectorPair>
{
    /// <summary>Default learning rate (the fine students' 1e-4).</summary>
    public const double DefaultLearningRate = 1e-4;

    /// <summary>The paper's best threshold.</summary>
    public const double DefaultThreshold = 0.2;

    /// <summary>Sets up the trainer and counts the classes of <paramref name="pairs"/>.</summary>
    /// <param name="selector">The network to train.</param>
    /// <param name="features">The corpus the pairs index.</param>
    /// <param name="pairs">The pairs with both students' similarities.</param>
    /// <param name="options">The run settings.</param>
    /// <param name="calibration">How the model folder merges fine scores with coarse ones (its <see cref="DnsModelsConfig.FineCalibration"/>).</param>
    /// <param name="threshold">The label threshold t.</param>
    /// <exception cref="ArgumentException">The features' D differs from the selector's, the batch is below 2 pairs (BatchNorm), or the threshold is outside [0, 1).</exception>
    public SelectorTrainer(SelectorNetworkModule selector, IRegionFeatureSource features, IReadOnlyList<SelectorPair> pairs, TrainingOptions options,
        FineScoreCalibration calibration, double threshold = DefaultThreshold)
        : base(selector, features, pairs, options, DefaultLearningRate)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (!(threshold >= 0 && threshold < 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be in [0, 1)");
        if (features.Dims != selector.Dims)
            throw new ArgumentException($"features have D = {features.Dims}, the selector D = {selector.Dims}", nameof(features));
        if (options.BatchSize < 2 && pairs.Count >= 2)
            throw new ArgumentException("the selector's BatchNorm needs batches of at least 2 pairs", nameof(options));
        Threshold = threshold;
        Calibration = calibration;
        foreach (var pair in pairs)
        {
            if (Label(pair, calibration, threshold)) Positives++;
            else Negatives++;
        }
        // Inverse frequency, scaled so the weights average 1 over the training pairs.
        PositiveWeight = Positives == 0 ? 0 : pairs.Count / (2.0 * Positives);
        NegativeWeight = Negatives == 0 ? 0 : pairs.Count / (2.0 * Negatives);
    }

    /// <summary>The label threshold t.</summary>
    public double Threshold { get; }

    /// <summary>The mapping of fine scores onto the coarse scale the labels compare on.</summary>
    public FineScoreCalibration Calibration { get; }

    /// <summary>Label-1 training pairs.</summary>
    public int Positives { get; }

    /// <summary>Label-0 training pairs.</summary>
    public int Negatives { get; }

    /// <summary>BCE weight of a label-1 pair: N / (2·positives).</summary>
    public double PositiveWeight { get; }

    /// <summary>BCE weight of a label-0 pair: N / (2·negatives).</summary>
    public double NegativeWeight { get; }

    /// <summary>The label of a pair: |Map(fine) − coarse| &gt; <paramref name="threshold"/>, Map the model folder's <paramref name="calibration"/>.</summary>
    public static bool Label(SelectorPair pair, FineScoreCalibration calibration, double threshold = DefaultThreshold)
        => Math.Abs(calibration.Map(pair.FineSimilarity) - pair.CoarseSimilarity) > threshold;

    /// <inheritdoc/>
    protected override double[] LabelSettings => [Threshold, Calibration.Scale, Calibration.Offset];

    /// <inheritdoc/>
    protected override Tensor ComputeLoss(IReadOnlyList<SelectorPair> batch, Random crop)
    {
        var (probabilities, labels, weights) = Forward(batch, crop);
        return F.binary_cross_entropy(probabilities, labels, weights);
    }

    /// <summary>The probabilities [B] of a batch and its labels and class weights [B].</summary>
    private (Tensor Probabilities, Tensor Labels, Tensor Weights) Forward(IReadOnlyList<SelectorPair> batch, Random? crop)
    {
        var anchors = new int[batch.Count];
        var others = new int[batch.Count];
        var coarse = new float[batch.Count];
        var labels = new float[batch.Count];
        var weights = new float[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            anchors[i] = batch[i].Anchor;
            others[i] = batch[i].Other;
            coarse[i] = batch[i].CoarseSimilarity;
            bool label = Label(batch[i], Calibration, Threshold);
            labels[i] = label ? 1f : 0f;
            weights[i] = (float)(label ? PositiveWeight : NegativeWeight);
        }
        using var anchorBatch = LoadVideos(anchors, crop);
        using var otherBatch = LoadVideos(others, crop);
        var triples = stack([Module.IndexVideo(anchorBatch.Features, anchorBatch.Valid), Module.IndexVideo(otherBatch.Features, otherBatch.Valid), tensor(coarse)], 1);
        return (Module.forward(triples).squeeze(1), tensor(labels), tensor(weights));
    }

    /// <summary>The selector's probabilities (eval mode, first frames up to the cap) for <paramref name="pairs"/>, in order.</summary>
    public float[] Probabilities(IReadOnlyList<SelectorPair> pairs)
    {
        var result = new float[pairs.Count];
        Module.eval();
        using var noGrad = no_grad();
        for (int start = 0; start < pairs.Count; start += BatchSize)
        {
            using var noGc = NoGcScope.Enter();
            using var scope = NewDisposeScope();
            var batch = new SelectorPair[Math.Min(BatchSize, pairs.Count - start)];
            for (int i = 0; i < batch.Length; i++) batch[i] = pairs[start + i];
            Forward(batch, null).Probabilities.data<float>().CopyTo(result.AsSpan(start));
        }
        return result;
    }

    /// <summary>Accuracy overall and per class, and the balanced loss, of the selector in eval mode on <paramref name="pairs"/>.</summary>
    public SelectorEvaluation Evaluate(IReadOnlyList<SelectorPair> pairs) => Evaluate(pairs, Probabilities(pairs));

    /// <summary>
    /// Accuracy overall and per class, and the balanced loss (log clamped at −100, as libtorch's), of the given
    /// probabilities (one per pair, in order; from this trainer or from the exported selector) against this trainer's labels.
    /// </summary>
    /// <exception cref="ArgumentException">Not one probability per pair.</exception>
    public SelectorEvaluation Evaluate(IReadOnlyList<SelectorPair> pairs, ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length != pairs.Count) throw new ArgumentException($"{pairs.Count} pairs but {probabilities.Length} probabilities", nameof(probabilities));
        double lossSum = 0;
        int positives = 0, negatives = 0, positiveHits = 0, negativeHits = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            double p = probabilities[i];
            bool decided = p > 0.5;
            if (Label(pairs[i], Calibration, Threshold))
            {
                positives++;
                if (decided) positiveHits++;
                lossSum -= PositiveWeight * Math.Max(Math.Log(p), -100);
            }
            else
            {
                negatives++;
                if (!decided) negativeHits++;
                lossSum -= NegativeWeight * Math.Max(Math.Log(1 - p), -100);
            }
        }
        return new SelectorEvaluation(lossSum / pairs.Count, (double)(positiveHits + negativeHits) / pairs.Count,
            positives == 0 ? double.NaN : (double)positiveHits / positives, negatives == 0 ? double.NaN : (double)negativeHits / negatives,
            positives, negatives);
    }
}
