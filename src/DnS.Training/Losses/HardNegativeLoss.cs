using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Losses;

/// <summary>
/// S2VS's self-supervised hard-negative loss (SSHN): −mean log(1 − max_k s_ik) pushes each row's hardest non-matching
/// pair down, and −mean log(s_ii) keeps a clip's similarity with itself high, so the network cannot win InfoNCE by
/// squeezing every score together. Both logarithms are clamped at ε as in the reference.
/// </summary>
public sealed class HardNegativeLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not in (0, 1).</exception>
    public HardNegativeLoss(double epsilon = 1e-3) : base(nameof(HardNegativeLoss))
    {
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in (0, 1)");
        Epsilon = epsilon;
    }

    /// <summary>ε, the smallest argument of the logarithms.</summary>
    public double Epsilon { get; }

    /// <summary>The hard-negative plus self-similarity loss (a scalar) of <paramref name="similarity"/> [N, N] given <paramref name="matches"/> [N, N] (bool).</summary>
    /// <exception cref="ArgumentException">The shapes differ or are not square.</exception>
    public override Tensor forward(Tensor similarity, Tensor matches)
    {
        BatchLabels.Check(similarity, matches);
        var hardest = similarity.masked_fill(matches, -100.0).amax(1);
        var hardNegative = (1.0 - hardest).clamp_min(Epsilon).log().mean().neg();
        var self = similarity.diagonal().clamp_min(Epsilon).log().mean().neg();
        return hardNegative + self;
    }
}
