namespace DnS.Training.Teachers;

/// <summary>How <see cref="ScoreFusion"/> fuses several teachers.</summary>
public sealed record ScoreFusionOptions
{
    /// <summary>The fusion rule. Default <see cref="FusionMethod.MaxMin"/>, as in Whiten-MTD.</summary>
    public FusionMethod Method { get; init; } = FusionMethod.MaxMin;

    /// <summary>One non-negative weight per teacher (column order) for <see cref="FusionMethod.Weighted"/>; ignored otherwise.</summary>
    public IReadOnlyList<float>? Weights { get; init; }
}
