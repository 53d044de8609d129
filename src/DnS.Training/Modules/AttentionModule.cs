using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Linear = TorchSharp.Modules.Linear;

namespace DnS.Training.Modules;

/// <summary>
/// The students' h-attention (reference <c>Attention(dims, norm=False)</c>): each region vector x is scaled by
/// sigmoid(c·tanh(W x + b)). State-dict keys: <c>transform.weight</c> [D, D], <c>transform.bias</c> [D],
/// <c>context_vector.weight</c> [1, D]. Initialized as the reference does (Xavier-uniform weights, zero bias).
/// </summary>
public sealed class AttentionModule : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.Transform)]
    private readonly Linear _transform;
    [ComponentName(Name = StateDictKeys.ContextVector)]
    private readonly Linear _contextVector;

    /// <summary>Creates the layer for <paramref name="dims"/>-dimensional region vectors.</summary>
    public AttentionModule(long dims) : base(nameof(AttentionModule))
    {
        Dims = dims;
        _transform = nn.Linear(dims, dims);
        _contextVector = nn.Linear(dims, 1, hasBias: false);
        // The reference's reset_parameters.
        nn.init.xavier_uniform_(_transform.weight!);
        nn.init.zeros_(_transform.bias!);
        nn.init.xavier_uniform_(_contextVector.weight!);
        RegisterComponents();
    }

    /// <summary>Region vector size D.</summary>
    public long Dims { get; }

    /// <summary>The attention weights, shape [..., 1], for region vectors [..., D].</summary>
    public Tensor Weights(Tensor x) => _contextVector.forward(_transform.forward(x).tanh()).sigmoid();

    /// <summary>The weighted region vectors x·a, same shape as <paramref name="x"/>.</summary>
    public override Tensor forward(Tensor x) => x * Weights(x);
}
