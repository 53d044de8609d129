namespace DnS.Training.Teachers;

/// <summary>How a training pair was sampled for its anchor (method §1.5).</summary>
public enum PairKind
{
    /// <summary>A video the teacher ranks as related to the anchor (mined, no labels).</summary>
    Positive,

    /// <summary>Another anchor's video.</summary>
    AnchorNegative,

    /// <summary>A distractor: a video that is no anchor's.</summary>
    Distractor,
}
