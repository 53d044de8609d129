using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Modules;

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

    /// <summary>
    /// The shape of trained coarse-student weights: which modules they hold, transformer layers and width, NetVLAD
    /// clusters and output size; heads are not visible in the weights and come from <paramref name="config"/>.
    /// </summary>
    public static CoarseStudentShape FromWeights(ITensorSource weights, CoarseGrainedStudentConfig config)
    {
        var tensors = weights.Tensors;
        int layers = 0;
        while (tensors.ContainsKey(FeedForwardWeight(layers))) layers++;
        return new CoarseStudentShape
        {
            Attention = tensors.ContainsKey(StateDictKeys.AttentionContextVectorWeight),
            Transformer = layers > 0,
            NetVlad = tensors.ContainsKey(StateDictKeys.NetVladCentroids),
            Heads = config.TransformerHeads,
            Layers = Math.Max(layers, 1),
            FeedForwardDims = layers > 0 ? tensors[FeedForwardWeight(0)].Shape[0] : new CoarseStudentShape().FeedForwardDims,
            Clusters = tensors.TryGetValue(StateDictKeys.NetVladCentroids, out var centroids) ? centroids.Shape[0] : new CoarseStudentShape().Clusters,
            OutputDims = tensors.TryGetValue(StateDictKeys.NetVladReductionWeight, out var reduction) ? reduction.Shape[0] : new CoarseStudentShape().OutputDims,
        };
    }

    // transformer.layers.{layer}.linear1.weight: its first dimension is the feed-forward size.
    private static string FeedForwardWeight(int layer) => StateDictKeys.Child(StateDictKeys.TransformerLayer(layer), StateDictKeys.Linear1) + StateDictKeys.Weight;

    /// <summary>Builds the student for region vectors of <paramref name="dims"/> floats.</summary>
    public CoarseGrainedStudentModule Create(int dims) =>
        new(dims, Heads, FeedForwardDims, Layers, Clusters, OutputDims, Attention, Transformer, NetVlad);
}
