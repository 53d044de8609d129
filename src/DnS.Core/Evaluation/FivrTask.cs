namespace DnS.Core.Evaluation;

/// <summary>The three FIVR-200K retrieval tasks; each task counts a different set of labels as relevant.</summary>
public enum FivrTask
{
    /// <summary>Duplicate Scene Video Retrieval: ND, DS.</summary>
    DSVR,
    /// <summary>Complementary Scene Video Retrieval: ND, DS, CS.</summary>
    CSVR,
    /// <summary>Incident Scene Video Retrieval: ND, DS, CS, IS.</summary>
    ISVR,
}

/// <summary>Relevant labels per <see cref="FivrTask"/> (DA, audio duplicates, is never relevant).</summary>
public static class FivrTaskLabels
{
    /// <summary>The annotation labels that count as relevant for <paramref name="task"/>.</summary>
    public static IReadOnlyList<string> RelevantLabels(this FivrTask task) => task switch
    {
        FivrTask.DSVR => ["ND", "DS"],
        FivrTask.CSVR => ["ND", "DS", "CS"],
        FivrTask.ISVR => ["ND", "DS", "CS", "IS"],
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };
}
