using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Linear = TorchSharp.Modules.Linear;

namespace DnS.Training.Modules;

/// <summary>
/// The ViSiL teacher's attention (reference <c>Attention(dims, norm=True)</c>): a = (c·x)/2 + 0.5, output x·a.
/// State-dict key: <c>context_vector.weight</c> [1, D]. The context vector starts as a normalized Gaussian, as in the reference.
/// </summary>
public sealed class L2AttentionModule : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.ContextVector)]
    private readonly Linear _contextVector;

    /// <summary>Creates the layer for <paramref name="dims"/>-dimensional region vectors.</summary>
    public L2AttentionModule(long dims) : base(nameof(L2AttentionModule))
    {
        Dims = dims;
        _contextVector = nn.Linear(dims, 1, hasBias: false);
        using (no_grad())
        {
            var w = _contextVector.weight!;
            nn.init.normal_(w);
            w.div_(w.norm());
        }
        RegisterComponents();
    }

    /// <summary>Region vector size D.</summary>
    public long Dims { get; }

    /// <summary>The attention weights, shape [..., 1], for region vectors [..., D].</summary>
    public Tensor Weights(Tensor x) => _contextVector.forward(x).div(ScalarConstants.Two).add(ScalarConstants.Half);

    /// <summary>The weighted region vectors x·a, same shape as <paramref name="x"/>.</summary>
    public override Tensor forward(Tensor x) => x * Weights(x);
}
