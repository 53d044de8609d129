namespace DnS.Core.Networks;

/// <summary>
/// Explicit configuration of a <see cref="CoarseGrainedStudent"/>. Sizes (D, feed-forward width, layers, clusters,
/// output size) come from the weights; the head count cannot, so it is stated here. Each module flag is null to
/// follow the weights, true to require the module, false to require its absence (as a strict
/// <c>load_state_dict</c> would).
/// </summary>
public sealed record CoarseGrainedStudentConfig
{
    /// <summary>Attention heads of every Transformer layer (8 in the official model).</summary>
    public int TransformerHeads { get; init; } = 8;

    /// <summary>The h-attention module (<c>attention.*</c>).</summary>
    public bool? Attention { get; init; }

    /// <summary>The Transformer encoder (<c>transformer.*</c>).</summary>
    public bool? Transformer { get; init; }

    /// <summary>The NetVLAD aggregation (<c>netvlad.*</c>); without it, frames are mean-pooled.</summary>
    public bool? NetVlad { get; init; }

    /// <summary>Regions per frame (9 for the L3-iMAC 3×3 grid).</summary>
    public int Regions { get; init; } = 9;
}
