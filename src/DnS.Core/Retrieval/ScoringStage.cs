namespace DnS.Core.Retrieval;

/// <summary>Which stage produced a hit's final score.</summary>
public enum ScoringStage
{
    /// <summary>The coarse student's dot product.</summary>
    Coarse,
    /// <summary>The fine student's similarity, calibrated onto the coarse scale (reference: s/2 + 0.5).</summary>
    Fine,
    /// <summary>The inset stage (<see cref="SelectorPolicy.Insets"/>): the pixels show the query shrunk inside the video;
    /// the score places it just under the cascade's confident matches, by pixel score.</summary>
    Inset,
}
