using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Losses;

/// <summary>
/// The reference's <c>TripletLoss</c> on similarities: mean(max(s_neg − s_pos + γ, 0)), used to train the teacher and
/// available to the students as an option next to the distillation loss.
/// </summary>
public sealed class TripletLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss with margin <paramref name="margin"/> (γ, 1 in the reference).</summary>
    public TripletLoss(double margin = 1.0) : base(nameof(TripletLoss)) => Margin = margin;

    /// <summary>The margin γ.</summary>
    public double Margin { get; }

    /// <summary>The mean hinge over pairs of positive and negative similarities of the same shape (a scalar).</summary>
    public override Tensor forward(Tensor positive, Tensor negative) => (negative - positive + Margin).clamp_min(0.0).mean();
}
