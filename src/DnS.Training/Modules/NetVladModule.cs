using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Conv2d = TorchSharp.Modules.Conv2d;
using LayerNorm = TorchSharp.Modules.LayerNorm;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;

namespace DnS.Training.Modules;

/// <summary>
/// The coarse student's NetVLAD: soft assignment softmax_k(⟨conv.weight[k], x_t⟩), residuals
/// Σ_t a[k,t](x_t − centroids[k]) over valid frames, intra-normalization, k-major flattening, L2, the reduction
/// (no bias) and LayerNorm. Keys: <c>centroids</c> [K, D], <c>conv.weight</c> [K, D, 1, 1],
/// <c>reduction_layer.weight</c> [out, K·D], <c>norm.weight/bias</c>.
/// </summary>
public sealed class NetVladModule : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = StateDictKeys.Centroids)]
    private readonly Parameter _centroids;
    [ComponentName(Name = StateDictKeys.Assignment)]
    private readonly Conv2d _conv;
    [ComponentName(Name = StateDictKeys.Reduction)]
    private readonly Linear _reduction;
    [ComponentName(Name = StateDictKeys.Norm)]
    private readonly LayerNorm _norm;

    /// <summary>Creates the layer with <paramref name="clusters"/> clusters and <paramref name="outDims"/> outputs.</summary>
    public NetVladModule(long dims, long clusters, long outDims) : base(nameof(NetVladModule))
    {
        Dims = dims;
        Clusters = clusters;
        // The reference's initialization: Gaussian centroids, the assignment starting at the centroids, a scaled Gaussian reduction.
        _centroids = new Parameter(randn(clusters, dims).div_(Math.Sqrt(dims)));
        _conv = nn.Conv2d(dims, clusters, 1, bias: false);
        using (no_grad()) _conv.weight!.copy_(_centroids.view(clusters, dims, 1, 1));
        _reduction = nn.Linear(clusters * dims, outDims, hasBias: false);
        nn.init.normal_(_reduction.weight!, std: 1 / Math.Sqrt(clusters * dims));
        _norm = nn.LayerNorm(outDims);
        RegisterComponents();
    }

    /// <summary>Descriptor size D.</summary>
    public long Dims { get; }

    /// <summary>Number of clusters K.</summary>
    public long Clusters { get; }

    /// <summary>Aggregates frames x [B, T, D] (valid frames [B, T] bool, or null for all) into [B, out].</summary>
    public override Tensor forward(Tensor x, Tensor? validFrames)
    {
        long b = x.shape[0];
        var assignment = F.softmax(F.linear(x, _conv.weight!.view(Clusters, Dims)), -1);
        if (validFrames is not null) assignment = assignment * validFrames.unsqueeze(-1).to_type(x.dtype);
        var weighted = assignment.transpose(1, 2).matmul(x);
        var vlad = weighted - assignment.sum([1]).unsqueeze(-1) * _centroids;
        vlad = F.normalize(F.normalize(vlad, 2, -1).reshape(b, Clusters * Dims), 2, -1);
        return _norm.forward(_reduction.forward(vlad));
    }
}
