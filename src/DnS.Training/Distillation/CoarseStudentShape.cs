namespace DnS.Training.Distillation;

/// <summary>
/// The architecture of a coarse student to train (the official one is 512-d, 8 heads, 1 layer, 64 clusters → 1024).
/// The defaults suit small region vectors such as the built-in encoder's D = 128.
/// </summary>
public sealed record CoarseStudentShape
{
    /// <summary>Use the h-attention over regions.</summary>
    public bool Attention { get; init; } = true;

    /// <summary>Use the Transformer encoder over frames.</summary>
    public bool Transformer { get; init; } = true;

    /// <summary>Use NetVLAD (else the video vector is the mean of the frame vectors).</summary>
    public bool NetVlad { get; init; } = true;

    /// <summary>Transformer heads (must divide D).</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Transformer layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Transformer feed-forward width.</summary>
    public int FeedForwardDims { get; init; } = 512;

    /// <summary>NetVLAD clusters.</summary>
    public int Clusters { get; init; } = 32;

    /// <summary>Size of the video vector NetVLAD reduces to.</summary>
    public int OutputDims { get; init; } = 512;

    /// <summary>Builds the student for region vectors of <paramref name="dims"/> floats.</summary>
    public Modules.CoarseGrainedStudent Create(int dims) =>
        new(dims, Heads, FeedForwardDims, Layers, Clusters, OutputDims, Attention, Transformer, NetVlad);
}
