namespace DnS.Core.Retrieval;

/// <summary>One ranked database video.</summary>
/// <param name="Id">Video id.</param>
/// <param name="Score">The merged score the ranking uses: the calibrated fine score (reference: s/2 + 0.5) where re-ranked,
/// lifted above every coarse score under top-K; else the coarse score, which a selector policy moves by the median of
/// (fine − coarse) over the query's re-ranked pairs.</param>
/// <param name="Stage">The stage that produced <see cref="Score"/>.</param>
/// <param name="CoarseScore">The coarse dot product.</param>
/// <param name="FineScore">The raw fine similarity in [−1, 1], or NaN when the pair was not re-ranked.</param>
public sealed record SearchHit(string Id, float Score, ScoringStage Stage, float CoarseScore, float FineScore);
