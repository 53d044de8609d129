namespace DnS.Training.Distillation;

/// <summary>One selector training pair: two videos and the trained students' similarities of the pair.</summary>
/// <param name="Anchor">Index of the query video in the feature source.</param>
/// <param name="Other">Index of the target video.</param>
/// <param name="FineSimilarity">The fine student's similarity, in [−1, 1].</param>
/// <param name="CoarseSimilarity">The coarse student's similarity (dot product of the video vectors).</param>
public readonly record struct SelectorPair(int Anchor, int Other, float FineSimilarity, float CoarseSimilarity);
