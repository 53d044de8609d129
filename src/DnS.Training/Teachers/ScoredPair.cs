namespace DnS.Training.Teachers;

/// <summary>One distillation pair: two videos of an <see cref="Data.IRegionFeatureSource"/> and the teacher's (fused) similarity.</summary>
/// <param name="Anchor">Index of the anchor video.</param>
/// <param name="Other">Index of the paired video.</param>
/// <param name="Kind">How the pair was sampled.</param>
/// <param name="Target">The teacher similarity the student learns to reproduce.</param>
public readonly record struct ScoredPair(int Anchor, int Other, PairKind Kind, float Target);
