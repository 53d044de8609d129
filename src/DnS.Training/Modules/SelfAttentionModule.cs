using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;

namespace DnS.Training.Modules;

/// <summary>
/// Multi-head self-attention with PyTorch's <c>nn.MultiheadAttention</c> parameters: <c>in_proj_weight</c> [3D, D]
/// (rows Wq; Wk; Wv), <c>in_proj_bias</c> [3D], <c>out_proj.weight/bias</c>. Heads are contiguous D/H blocks and
/// q is scaled by 1/√(D/H).
/// </summary>
public sealed class SelfAttentionModule : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = StateDictKeys.InProjectionWeight)]
    private readonly Parameter _inProjWeight;
    [ComponentName(Name = StateDictKeys.InProjectionBias)]
    private readonly Parameter _inProjBias;
    [ComponentName(Name = StateDictKeys.OutProjection)]
    private readonly Linear _outProj;
    // √(D/H), held for the module's life (see ScalarConstants).
    private readonly TorchSharp.Scalar _scale;

    /// <summary>Creates the layer (Xavier-uniform in-projection and zero biases, as PyTorch initializes it).</summary>
    public SelfAttentionModule(long dims, long heads) : base(nameof(SelfAttentionModule))
    {
        if (dims % heads != 0) throw new ArgumentException($"dims {dims} is not divisible by heads {heads}", nameof(heads));
        Dims = dims;
        Heads = heads;
        _scale = Math.Sqrt(dims / heads);
        _inProjWeight = new Parameter(empty(3 * dims, dims));
        _inProjBias = new Parameter(zeros(3 * dims));
        nn.init.xavier_uniform_(_inProjWeight);
        _outProj = nn.Linear(dims, dims);
        using (no_grad()) _outProj.bias!.zero_();
        RegisterComponents();
    }

    /// <summary>Model size D.</summary>
    public long Dims { get; }

    /// <summary>Number of heads H.</summary>
    public long Heads { get; }

    /// <summary>Self-attention over frames of x [B, T, D]; <paramref name="validFrames"/> [B, T] (bool) excludes padded frames as keys.</summary>
    public override Tensor forward(Tensor x, Tensor? validFrames)
    {
        long b = x.shape[0], t = x.shape[1], dh = Dims / Heads;
        var qkv = F.linear(x, _inProjWeight, _inProjBias).chunk(3, -1);
        var q = qkv[0].view(b, t, Heads, dh).transpose(1, 2).div(_scale);
        var k = qkv[1].view(b, t, Heads, dh).transpose(1, 2);
        var v = qkv[2].view(b, t, Heads, dh).transpose(1, 2);
        var scores = q.matmul(k.transpose(2, 3));
        if (validFrames is not null)
            scores = scores.masked_fill(validFrames.logical_not().view(b, 1, 1, t), FillValues.NegativeInfinity);
        var attended = F.softmax(scores, -1).matmul(v).transpose(1, 2).reshape(b, t, Dims);
        return _outProj.forward(attended);
    }
}
