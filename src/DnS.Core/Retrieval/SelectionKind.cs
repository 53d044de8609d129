namespace DnS.Core.Retrieval;

/// <summary>How a <see cref="SelectorPolicy"/> picks the pairs the fine stage re-scores.</summary>
public enum SelectionKind
{
    /// <summary>No re-ranking: coarse scores only.</summary>
    CoarseOnly,
    /// <summary>Every database video is re-scored by the fine student (exhaustive; the accuracy ceiling).</summary>
    FineOnly,
    /// <summary>The K best by coarse score (Thinking Fast and Slow).</summary>
    TopK,
    /// <summary>The given fraction of pairs with the highest selector-network probability (Distill-and-Select).</summary>
    SelectorFraction,
    /// <summary>Every pair whose selector-network probability reaches a threshold.</summary>
    SelectorThreshold,
}
