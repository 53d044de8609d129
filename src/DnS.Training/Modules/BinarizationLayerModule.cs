using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Parameter = TorchSharp.Modules.Parameter;

namespace DnS.Training.Modules;

/// <summary>
/// The binary student's hashing layer (reference <c>BinarizationLayer</c>): p = normalize(x)·W with W [D, bits]
/// used as stored. Eval mode returns sign(p), the ±1 codes DnS.Core packs to bits; training mode returns the
/// differentiable relaxation erf(p/√(2σ)), σ = 1e-6. State-dict key: <c>W</c>.
/// </summary>
public sealed class BinarizationLayerModule : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.BinarizationWeights)]
    private readonly Parameter _w;
    // √(2σ), held for the module's life (see ScalarConstants).
    private readonly TorchSharp.Scalar _scale;

    /// <summary>Creates the layer; W starts uniform in [0, 1) like the reference's <c>ITQ_init=False</c> path (its default loads an ITQ projection).</summary>
    public BinarizationLayerModule(long dims, long bits, double sigma = 1e-6) : base(nameof(BinarizationLayerModule))
    {
        Dims = dims;
        Bits = bits;
        Sigma = sigma;
        _scale = Math.Sqrt(2 * sigma);
        _w = new Parameter(rand(dims, bits));
        RegisterComponents();
    }

    /// <summary>Input size D.</summary>
    public long Dims { get; }

    /// <summary>Code length.</summary>
    public long Bits { get; }

    /// <summary>The relaxation's σ.</summary>
    public double Sigma { get; }

    /// <summary>The projection W, [D, bits].</summary>
    public Parameter W => _w;

    /// <summary>Codes [..., bits] for region vectors [..., D]: sign in eval mode, erf relaxation in training mode.</summary>
    public override Tensor forward(Tensor x)
    {
        var projection = F.normalize(x, 2, -1).matmul(_w);
        return training ? projection.div(_scale).erf() : projection.sign();
    }
}
