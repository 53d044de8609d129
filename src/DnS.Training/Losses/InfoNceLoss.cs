using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Losses;

/// <summary>
/// S2VS's InfoNCE over a batch similarity matrix: for each row i and each other member j of its group (same video),
/// −log(e^{s_ij/τ} / (e^{s_ij/τ} + Σ_k e^{s_ik/τ})) with k over the row's non-matching columns, averaged over the row's
/// positives and then over rows. The diagonal (a clip with itself) is neither positive nor negative. Computed in log
/// space so a small temperature does not overflow.
/// </summary>
public sealed class InfoNceLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>S2VS's training temperature (its <c>train.py</c> default; the loss class alone defaults to 0.07).</summary>
    public const double DefaultTemperature = 0.03;

    /// <summary>Creates the loss.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not positive.</exception>
    public InfoNceLoss(double temperature = DefaultTemperature) : base(nameof(InfoNceLoss))
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive");
        Temperature = temperature;
    }

    /// <summary>τ.</summary>
    public double Temperature { get; }

    /// <summary>The loss (a scalar) of <paramref name="similarity"/> [N, N] given <paramref name="matches"/> [N, N] (bool, true for the same video).</summary>
    /// <exception cref="ArgumentException">The shapes differ or are not square.</exception>
    public override Tensor forward(Tensor similarity, Tensor matches)
    {
        BatchLabels.Check(similarity, matches);
        var logits = similarity / Temperature;
        var positives = BatchLabels.Positives(matches);
        var negativeLse = logits.masked_fill(matches, double.NegativeInfinity).logsumexp(1, keepdim: true);
        var perPair = logaddexp(logits, negativeLse) - logits;
        var positive = positives.to_type(similarity.dtype);
        // A row without positives contributes 0 instead of 0/0.
        return ((perPair * positive).sum(1) / positive.sum(1).clamp_min(1.0)).mean();
    }
}
