using DnS.Core;

namespace DnS.Training.Teachers;

/// <summary>How <see cref="ScoreFusion"/> fuses several teachers.</summary>
public sealed record ScoreFusionOptions
{
    /// <summary>The fusion rule. Default <see cref="FusionMethod.MaxMin"/>, as in Whiten-MTD.</summary>
    public FusionMethod Method { get; init; } = FusionMethod.MaxMin;

    /// <summary>One non-negative weight per teacher (column order) for <see cref="FusionMethod.Weighted"/>; ignored otherwise.</summary>
    public IReadOnlyList<float>? Weights { get; init; }

    /// <summary>Checks the method and, for weighted fusion, the weights (their count is checked against the teachers when fusing).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown method, or a negative or non-finite weight.</exception>
    /// <exception cref="ArgumentException">Weighted fusion without weights, or weights that sum to 0.</exception>
    public void Validate()
    {
        OptionChecks.Defined(Method);
        if (Method != FusionMethod.Weighted) return;
        if (Weights is null) throw new ArgumentException("weighted fusion needs one weight per teacher", nameof(Weights));
        foreach (float weight in Weights) OptionChecks.AtLeast(weight, 0, nameof(Weights));
        if (Weights.Sum(w => (double)w) <= 0) throw new ArgumentException("the weights sum to 0", nameof(Weights));
    }
}
