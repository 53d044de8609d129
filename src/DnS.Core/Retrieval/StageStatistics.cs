namespace DnS.Core.Retrieval;

/// <summary>Pairs scored and time spent per stage of one search.</summary>
/// <param name="CoarsePairs">Pairs scored by the coarse scan (every live database video).</param>
/// <param name="SelectorPairs">Pairs scored by the selector network (0 unless the policy uses it).</param>
/// <param name="FinePairs">Pairs re-scored by the fine student.</param>
/// <param name="Coarse">Coarse-scan time.</param>
/// <param name="Selection">Selection time (selector network and/or top-k).</param>
/// <param name="Fine">Fine re-ranking time.</param>
/// <param name="Merge">Merging and final ranking time.</param>
public sealed record StageStatistics(int CoarsePairs, int SelectorPairs, int FinePairs, TimeSpan Coarse, TimeSpan Selection, TimeSpan Fine, TimeSpan Merge)
{
    /// <summary>Time of the inset stage (<see cref="SelectorPolicy.Insets"/>: extraction of the query's inset side excluded).</summary>
    public TimeSpan Inset { get; init; }

    /// <summary>Total time.</summary>
    public TimeSpan Total => Coarse + Selection + Fine + Merge + Inset;
}
