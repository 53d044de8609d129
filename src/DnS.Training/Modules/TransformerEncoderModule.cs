using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using LayerNorm = TorchSharp.Modules.LayerNorm;

namespace DnS.Training.Modules;

/// <summary>
/// <c>nn.TransformerEncoder</c> with a final LayerNorm, as the coarse student builds it.
/// Keys: <c>layers.{i}.*</c> and <c>norm.weight/bias</c>.
/// </summary>
public sealed class TransformerEncoderModule : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = StateDictKeys.Layers)]
    private readonly TorchSharp.Modules.ModuleList<TransformerEncoderLayerModule> _layers;
    [ComponentName(Name = StateDictKeys.Norm)]
    private readonly LayerNorm _norm;

    /// <summary>Creates <paramref name="layers"/> post-norm layers and the final norm.</summary>
    public TransformerEncoderModule(long dims, long heads, long feedForwardDims, int layers, double dropout = 0.1) : base(nameof(TransformerEncoderModule))
    {
        var list = new TransformerEncoderLayerModule[layers];
        for (int i = 0; i < layers; i++) list[i] = new TransformerEncoderLayerModule(dims, heads, feedForwardDims, dropout);
        _layers = nn.ModuleList(list);
        _norm = nn.LayerNorm(dims);
        RegisterComponents();
    }

    /// <summary>Number of encoder layers.</summary>
    public int Layers => _layers.Count;

    /// <summary>Encodes x [B, T, D]; <paramref name="validFrames"/> [B, T] (bool) or null.</summary>
    public override Tensor forward(Tensor x, Tensor? validFrames)
    {
        foreach (var layer in _layers) x = layer.forward(x, validFrames);
        return _norm.forward(x);
    }
}
