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

    /// <summary>
    /// A hard candidate: one of the anchor's coarse-nearest videos that the teacher ranks right after its positives (a copy
    /// the teacher is less sure of, or a look-alike), the pairs where a coarse score is most often wrong.
    /// </summary>
    HardCandidate,
}
