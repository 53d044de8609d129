namespace DnS.Core.Networks;

/// <summary>
/// The PyTorch state-dict names of every network, spelled once: the loaders here read them and DnS.Training's
/// modules carry them (as <c>[ComponentName]</c> constants) into the weights they export, so an export always loads.
/// A key is a dotted path of these names, e.g. <c>attention.transform.weight</c>; <see cref="Child(string, string)"/> builds the
/// prefix of a submodule.
/// </summary>
internal static class StateDictKeys
{
    /// <summary>Joins a submodule's name under a parent prefix: <c>{parent}{name}.</c>.</summary>
    public static string Child(string parent, string name) => parent + name + ".";

    /// <summary>The <c>mlp.model.{index}.</c>-style prefix of an entry of a sequential container.</summary>
    public static string Child(string parent, int index) => Child(parent, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    // Submodules of the students, the selector and the ViSiL head.

    /// <summary>The h-attention (students, selector) or L2-attention (ViSiL) layer.</summary>
    public const string Attention = "attention";

    /// <summary>The binary fine student's hashing layer.</summary>
    public const string Binarization = "binarization";

    /// <summary>The video comparator of the students and the selector.</summary>
    public const string ComparatorHead = "visil_head";

    /// <summary>The ViSiL head's video comparator (the reference's spelling).</summary>
    public const string TeacherComparator = "video_comperator";

    /// <summary>The coarse student's Transformer encoder.</summary>
    public const string Transformer = "transformer";

    /// <summary>The coarse student's NetVLAD layer.</summary>
    public const string NetVlad = "netvlad";

    /// <summary>The selector's MLP (reference <c>MetadataModel</c>).</summary>
    public const string SelectorMlp = "mlp";

    /// <summary>The sequential container inside the selector's MLP.</summary>
    public const string SelectorMlpModel = "model";

    // Attention layers.

    /// <summary>The h-attention's linear transform.</summary>
    public const string Transform = "transform";

    /// <summary>The attention's context vector.</summary>
    public const string ContextVector = "context_vector";

    // Binarization.

    /// <summary>The hashing projection W [D, bits].</summary>
    public const string BinarizationWeights = "W";

    // Video comparator.

    /// <summary>The comparator's first convolution.</summary>
    public const string Conv1 = "conv1";

    /// <summary>The comparator's second convolution.</summary>
    public const string Conv2 = "conv2";

    /// <summary>The comparator's third convolution.</summary>
    public const string Conv3 = "conv3";

    /// <summary>The comparator's final 1×1 convolution.</summary>
    public const string FinalConv = "fconv";

    // Transformer encoder (PyTorch nn.TransformerEncoder / nn.TransformerEncoderLayer / nn.MultiheadAttention).

    /// <summary>The encoder's layer list.</summary>
    public const string Layers = "layers";

    /// <summary>A final or NetVLAD layer norm.</summary>
    public const string Norm = "norm";

    /// <summary>The layer's multi-head self-attention.</summary>
    public const string SelfAttention = "self_attn";

    /// <summary>The packed query/key/value projection's prefix: <c>in_proj_weight</c>, <c>in_proj_bias</c>.</summary>
    public const string InProjection = "in_proj_";

    /// <summary>The packed query/key/value projection weight.</summary>
    public const string InProjectionWeight = InProjection + Weight;

    /// <summary>The packed query/key/value projection bias.</summary>
    public const string InProjectionBias = InProjection + Bias;

    /// <summary>The attention's output projection.</summary>
    public const string OutProjection = "out_proj";

    /// <summary>The feed-forward block's first linear layer.</summary>
    public const string Linear1 = "linear1";

    /// <summary>The feed-forward block's second linear layer.</summary>
    public const string Linear2 = "linear2";

    /// <summary>The post-attention layer norm.</summary>
    public const string Norm1 = "norm1";

    /// <summary>The post-feed-forward layer norm.</summary>
    public const string Norm2 = "norm2";

    // NetVLAD.

    /// <summary>The cluster centroids [K, D].</summary>
    public const string Centroids = "centroids";

    /// <summary>The soft-assignment 1×1 convolution.</summary>
    public const string Assignment = "conv";

    /// <summary>The dimension-reduction linear layer.</summary>
    public const string Reduction = "reduction_layer";

    // Parameters and buffers of linear, convolution, layer-norm and batch-norm layers.

    /// <summary>A layer's weight.</summary>
    public const string Weight = "weight";

    /// <summary>A layer's bias.</summary>
    public const string Bias = "bias";

    /// <summary>A batch norm's running mean.</summary>
    public const string RunningMean = "running_mean";

    /// <summary>A batch norm's running variance.</summary>
    public const string RunningVariance = "running_var";

    /// <summary>A batch norm's update counter (exported, not read at inference).</summary>
    public const string BatchesTracked = "num_batches_tracked";

    // Whole keys the loaders probe to tell which modules a state dict holds.

    /// <summary><c>binarization.W</c>: present in binary fine students.</summary>
    public const string BinarizationW = Binarization + "." + BinarizationWeights;

    /// <summary><c>attention.transform.weight</c>: present with an h-attention layer.</summary>
    public const string AttentionTransformWeight = Attention + "." + Transform + "." + Weight;

    /// <summary><c>attention.context_vector.weight</c>: present with any attention layer.</summary>
    public const string AttentionContextVectorWeight = Attention + "." + ContextVector + "." + Weight;

    /// <summary><c>netvlad.centroids</c>: present with a NetVLAD layer.</summary>
    public const string NetVladCentroids = NetVlad + "." + Centroids;

    /// <summary><c>netvlad.reduction_layer.weight</c>: present with NetVLAD's dimension reduction.</summary>
    public const string NetVladReductionWeight = NetVlad + "." + Reduction + "." + Weight;

    /// <summary><c>transformer.norm.weight</c>: present with the encoder's final layer norm.</summary>
    public const string TransformerNormWeight = Transformer + "." + Norm + "." + Weight;

    /// <summary>The prefix <c>transformer.layers.{index}.</c> of the coarse student's encoder layer.</summary>
    public static string TransformerLayer(int index) => Child(Child(Transformer + ".", Layers), index);
}
