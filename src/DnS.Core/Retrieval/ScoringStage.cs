namespace DnS.Core.Retrieval;

/// <summary>Which stage produced a hit's final score.</summary>
public enum ScoringStage
{
    /// <summary>The coarse student's dot product.</summary>
    Coarse,
    /// <summary>The fine student's similarity, mapped to [0, 1] as s/2 + 0.5.</summary>
    Fine,
}
