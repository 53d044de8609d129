namespace DnS.Training.Teachers;

/// <summary>A training pair chosen by the <see cref="PairSampler"/>, before any teacher scored it.</summary>
/// <param name="Anchor">Index of the anchor video.</param>
/// <param name="Other">Index of the paired video.</param>
/// <param name="Kind">How the pair was sampled.</param>
public readonly record struct SampledPair(int Anchor, int Other, PairKind Kind);
