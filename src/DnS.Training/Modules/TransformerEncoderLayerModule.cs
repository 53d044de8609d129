using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using LayerNorm = TorchSharp.Modules.LayerNorm;
using Linear = TorchSharp.Modules.Linear;

namespace DnS.Training.Modules;

/// <summary>
/// A post-norm <c>nn.TransformerEncoderLayer</c> with ReLU: x = norm1(x + SA(x)); x = norm2(x + linear2(relu(linear1(x)))).
/// Dropout (after attention, inside and after the feed-forward) acts in training mode only.
/// Keys: <c>self_attn.*</c>, <c>linear1.*</c>, <c>linear2.*</c>, <c>norm1.*</c>, <c>norm2.*</c>.
/// </summary>
public sealed class TransformerEncoderLayerModule : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = StateDictKeys.SelfAttention)]
    private readonly SelfAttentionModule _selfAttention;
    [ComponentName(Name = StateDictKeys.Linear1)]
    private readonly Linear _linear1;
    [ComponentName(Name = StateDictKeys.Linear2)]
    private readonly Linear _linear2;
    [ComponentName(Name = StateDictKeys.Norm1)]
    private readonly LayerNorm _norm1;
    [ComponentName(Name = StateDictKeys.Norm2)]
    private readonly LayerNorm _norm2;
    private readonly double _dropout;

    /// <summary>Creates the layer.</summary>
    public TransformerEncoderLayerModule(long dims, long heads, long feedForwardDims, double dropout = 0.1) : base(nameof(TransformerEncoderLayerModule))
    {
        _selfAttention = new SelfAttentionModule(dims, heads);
        _linear1 = nn.Linear(dims, feedForwardDims);
        _linear2 = nn.Linear(feedForwardDims, dims);
        _norm1 = nn.LayerNorm(dims);
        _norm2 = nn.LayerNorm(dims);
        _dropout = dropout;
        RegisterComponents();
    }

    /// <summary>Encodes x [B, T, D]; <paramref name="validFrames"/> [B, T] (bool) or null.</summary>
    public override Tensor forward(Tensor x, Tensor? validFrames)
    {
        x = _norm1.forward(x + F.dropout(_selfAttention.forward(x, validFrames), _dropout, training));
        var ff = _linear2.forward(F.dropout(F.relu(_linear1.forward(x)), _dropout, training));
        return _norm2.forward(x + F.dropout(ff, _dropout, training));
    }
}
