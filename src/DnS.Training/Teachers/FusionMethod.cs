namespace DnS.Training.Teachers;

/// <summary>How <see cref="ScoreFusion"/> combines the standardized scores of several teachers (method §2).</summary>
public enum FusionMethod
{
    /// <summary>The mean over teachers.</summary>
    Mean,

    /// <summary>The weighted mean over teachers (<see cref="ScoreFusionOptions.Weights"/>, normalized to sum 1).</summary>
    Weighted,

    /// <summary>The maximum over teachers for <see cref="PairKind.Positive"/> pairs, the minimum for the negatives (Whiten-MTD's default).</summary>
    MaxMin,
}
