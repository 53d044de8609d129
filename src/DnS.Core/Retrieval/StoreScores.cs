namespace DnS.Core.Retrieval;

/// <summary>A query's scores against every store ordinal (dead ordinals: <see cref="IsLive"/> false, merged NaN).</summary>
/// <param name="Coarse">Coarse dot products.</param>
/// <param name="Fine">Raw fine similarities in [−1, 1], NaN where the pair was not re-ranked.</param>
/// <param name="Merged">The ranking score: the calibrated fine score (reference: s/2 + 0.5) where re-ranked (plus <see cref="Networks.FineScoreCalibration.ShortlistLift"/> under a top-K policy, which keeps its re-ranked shortlist ahead of the coarse scores), else coarse (moved, under a selector policy, by the median of fine − coarse over the query's re-ranked pairs).</param>
/// <param name="IsLive">Whether the ordinal is a live video.</param>
/// <param name="Ids">The video id of every ordinal, from the same snapshot of the store as the scores (a later commit may move ordinals).</param>
/// <param name="Statistics">Pairs and time per stage.</param>
public sealed record StoreScores(float[] Coarse, float[] Fine, float[] Merged, bool[] IsLive, string[] Ids, StageStatistics Statistics)
{
    /// <summary>The ordinals the inset stage moved (<see cref="SelectorPolicy.Insets"/>), or null when it did not run.</summary>
    public IReadOnlySet<int>? InsetMoved { get; init; }
}
