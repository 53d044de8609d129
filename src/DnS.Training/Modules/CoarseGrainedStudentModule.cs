using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Modules;

/// <summary>
/// The coarse-grained student (reference <c>CoarseGrainedStudent</c>): h-attention (<c>attention.*</c>), sum over
/// regions, L2, a post-norm Transformer encoder with a final LayerNorm (<c>transformer.*</c>), NetVLAD
/// (<c>netvlad.*</c>) and L2, giving one vector per video. With NetVLAD off the frames are mean-pooled.
/// The similarity of two videos is the dot product of their vectors.
/// </summary>
public sealed class CoarseGrainedStudentModule : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = StateDictKeys.Attention)]
    private readonly AttentionModule? _attention;
    [ComponentName(Name = StateDictKeys.Transformer)]
    private readonly TransformerEncoderModule? _transformer;
    [ComponentName(Name = StateDictKeys.NetVlad)]
    private readonly NetVladModule? _netVlad;

    /// <summary>Creates the student; the defaults are the official DnS configuration.</summary>
    public CoarseGrainedStudentModule(long dims = 512, long heads = 8, long feedForwardDims = 2048, int layers = 1,
        long clusters = 64, long outDims = 1024, bool attention = true, bool transformer = true, bool netVlad = true,
        double dropout = 0.1) : base(nameof(CoarseGrainedStudentModule))
    {
        Dims = dims;
        Heads = heads;
        if (attention)
        {
            _attention = new AttentionModule(dims);
        }
        if (transformer)
        {
            _transformer = new TransformerEncoderModule(dims, heads, feedForwardDims, layers, dropout);
        }
        if (netVlad)
        {
            _netVlad = new NetVladModule(dims, clusters, outDims);
        }
        OutputDims = netVlad ? outDims : dims;
        RegisterComponents();
    }

    /// <summary>Region vector size D.</summary>
    public long Dims { get; }

    /// <summary>Size of the video vector.</summary>
    public long OutputDims { get; }

    /// <summary>Attention heads of every Transformer layer (DnS.Core's <c>CoarseGrainedStudentConfig.TransformerHeads</c>).</summary>
    public long Heads { get; }

    /// <summary>Whether the student has the h-attention module.</summary>
    public bool HasAttention => _attention is not null;

    /// <summary>Whether the student has the Transformer encoder.</summary>
    public bool HasTransformer => _transformer is not null;

    /// <summary>Whether the student aggregates with NetVLAD (else it mean-pools frames).</summary>
    public bool HasNetVlad => _netVlad is not null;

    /// <summary>Per-frame vectors [B, T, D]: attention, sum over regions, L2.</summary>
    public Tensor Frames(Tensor regions)
    {
        var x = _attention is null ? regions : _attention.forward(regions);
        return F.normalize(x.sum([2]), 2, -1);
    }

    /// <summary>
    /// Video vectors [B, out] for region batches [B, T, R, D]. <paramref name="validFrames"/> [B, T] (bool) marks
    /// real frames of zero-padded videos; null means every frame is real.
    /// </summary>
    public override Tensor forward(Tensor regions, Tensor? validFrames) => Aggregate(Encode(Frames(regions), validFrames), validFrames);

    /// <summary>The Transformer encoder's output [B, T, D] for frame vectors [B, T, D] (unchanged without the encoder).</summary>
    public Tensor Encode(Tensor frames, Tensor? validFrames) => _transformer is null ? frames : _transformer.forward(frames, validFrames);

    /// <summary>The L2-normalized video vectors [B, out] of encoded frames [B, T, D]: NetVLAD, or the mean of valid frames.</summary>
    public Tensor Aggregate(Tensor x, Tensor? validFrames)
    {
        if (_netVlad is not null) x = _netVlad.forward(x, validFrames);
        else if (validFrames is null) x = x.mean([1]);
        else
        {
            var valid = validFrames.unsqueeze(-1).to_type(x.dtype);
            x = (x * valid).sum([1]) / valid.sum([1]);
        }
        return F.normalize(x, 2, -1);
    }

    /// <summary>Similarity matrix Q·Tᵀ of video vectors [Nq, out] and [Nt, out].</summary>
    public static Tensor Similarity(Tensor queries, Tensor targets) => queries.matmul(targets.t());
}
