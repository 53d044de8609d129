using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Losses;

/// <summary>
/// The reference's <c>SimilarityRegularizationLoss</c>: Σ|min(s − min, 0)| + Σ|max(s − max, 0)| over the raw comparator
/// output. It pushes scores back into hardtanh's range [min, max], where they still have a gradient; DnS weights it
/// by 1e-3 next to the distillation loss.
/// </summary>
public sealed class SimilarityRegularizationLoss : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the loss for the range [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public SimilarityRegularizationLoss(double min = -1.0, double max = 1.0) : base(nameof(SimilarityRegularizationLoss))
    {
        if (!(min < max)) throw new ArgumentException($"min {min} must be below max {max}", nameof(min));
        Min = min;
        Max = max;
    }

    /// <summary>Lower end of the range.</summary>
    public double Min { get; }

    /// <summary>Upper end of the range.</summary>
    public double Max { get; }

    /// <summary>The summed out-of-range amount of <paramref name="similarities"/> (a scalar).</summary>
    public override Tensor forward(Tensor similarities)
        => (similarities - Min).clamp_max(0.0).abs().sum() + (similarities - Max).clamp_min(0.0).abs().sum();
}
