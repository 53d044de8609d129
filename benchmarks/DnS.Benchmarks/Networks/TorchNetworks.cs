using TorchSharp;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Benchmarks.Networks;

/// <summary>
/// The peer: the reference networks' layers written with TorchSharp (libtorch) functional operations, in the
/// reference's order of operations, on weights from the same <see cref="RandomStateDict"/>.
/// </summary>
public static class TorchNetworks
{
    /// <summary>h-attention: x·sigmoid(c·tanh(Wx + b)) for x of shape (N, D).</summary>
    public static torch.Tensor Attention(torch.Tensor x, RandomStateDict w)
    {
        using var scope = torch.NewDisposeScope();
        var h = F.linear(x, w.Torch("attention.transform.weight"), w.Torch("attention.transform.bias")).tanh();
        var a = F.linear(h, w.Torch("attention.context_vector.weight")).sigmoid();
        return (x * a).MoveToOuterDisposeScope();
    }

    /// <summary>Binarization: sign(normalize(x)·W), the ±1 floats the reference stores.</summary>
    public static torch.Tensor Binarize(torch.Tensor x, RandomStateDict w)
    {
        using var scope = torch.NewDisposeScope();
        return F.normalize(x, 2, -1).matmul(w.Torch("binarization.W")).sign().MoveToOuterDisposeScope();
    }

    /// <summary>The video comparator on a (Tq, Tt) matrix: three padded 3×3 convs with ReLU (two max-pools), then the 1×1 conv.</summary>
    public static torch.Tensor Comparator(torch.Tensor f2f, RandomStateDict w, string prefix, bool replicate)
    {
        using var scope = torch.NewDisposeScope();
        var mode = replicate ? PaddingModes.Replicate : PaddingModes.Constant;
        var x = f2f.unsqueeze(0).unsqueeze(0);
        for (int layer = 1; layer <= 3; layer++)
        {
            x = F.pad(x, [1, 1, 1, 1], mode);
            x = F.relu(F.conv2d(x, w.Torch($"{prefix}conv{layer}.weight"), w.Torch($"{prefix}conv{layer}.bias")));
            if (layer < 3) x = F.max_pool2d(x, [2, 2], [2, 2]);
        }
        return F.conv2d(x, w.Torch(prefix + "fconv.weight"), w.Torch(prefix + "fconv.bias")).squeeze(0).squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>Fine-student similarity: einsum chamfer (÷ bits for ±1 codes) → comparator → hardtanh → mean of row maxima.</summary>
    public static float FineSimilarity(torch.Tensor query, torch.Tensor target, RandomStateDict w, float divisor = 1f)
    {
        using var scope = torch.NewDisposeScope();
        var f2f = Peers.TorchPeers.Chamfer(query, target);
        if (divisor != 1f) f2f = f2f.div(divisor);
        var s = F.hardtanh(Comparator(f2f, w, "visil_head.", replicate: false));
        return s.amax(1).mean().item<float>();
    }

    /// <summary>The coarse student's index: attention, region sum, L2, post-norm encoder layer(s) + final norm, NetVLAD, L2.</summary>
    public static torch.Tensor CoarseIndex(torch.Tensor regions, RandomStateDict w, int frames, int dims, int heads, int layers, int clusters)
    {
        using var scope = torch.NewDisposeScope();
        var x = Attention(regions.view(-1, dims), w).view(frames, -1, dims).sum(1);
        x = F.normalize(x, 2, -1);
        int dh = dims / heads;
        for (int l = 0; l < layers; l++)
        {
            string p = $"transformer.layers.{l}.";
            var qkv = F.linear(x, w.Torch(p + "self_attn.in_proj_weight"), w.Torch(p + "self_attn.in_proj_bias")).chunk(3, -1);
            var q = qkv[0].view(frames, heads, dh).transpose(0, 1).div(MathF.Sqrt(dh));
            var k = qkv[1].view(frames, heads, dh).transpose(0, 1);
            var v = qkv[2].view(frames, heads, dh).transpose(0, 1);
            var attended = F.softmax(q.bmm(k.transpose(1, 2)), -1).bmm(v).transpose(0, 1).reshape(frames, dims);
            var o = F.linear(attended, w.Torch(p + "self_attn.out_proj.weight"), w.Torch(p + "self_attn.out_proj.bias"));
            x = F.layer_norm(x + o, [dims], w.Torch(p + "norm1.weight"), w.Torch(p + "norm1.bias"));
            var ff = F.linear(F.relu(F.linear(x, w.Torch(p + "linear1.weight"), w.Torch(p + "linear1.bias"))), w.Torch(p + "linear2.weight"), w.Torch(p + "linear2.bias"));
            x = F.layer_norm(x + ff, [dims], w.Torch(p + "norm2.weight"), w.Torch(p + "norm2.bias"));
        }
        x = F.layer_norm(x, [dims], w.Torch("transformer.norm.weight"), w.Torch("transformer.norm.bias"));

        var assign = F.softmax(F.linear(x, w.Torch("netvlad.conv.weight").view(clusters, dims)), -1);
        var vlad = assign.t().mm(x) - assign.t().sum(1).unsqueeze(1) * w.Torch("netvlad.centroids");
        vlad = F.normalize(F.normalize(vlad, 2, 1).flatten(), 2, 0);
        var reduced = F.linear(vlad, w.Torch("netvlad.reduction_layer.weight"));
        var normed = F.layer_norm(reduced, [reduced.shape[0]], w.Torch("netvlad.norm.weight"), w.Torch("netvlad.norm.bias"));
        return F.normalize(normed, 2, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The selector's self-similarity scalar: attention, mean over all region pairs, comparator, mean.</summary>
    public static float SelectorIndex(torch.Tensor regions, RandomStateDict w, int frames, int regionsPerFrame, int dims)
    {
        using var scope = torch.NewDisposeScope();
        var x = Attention(regions.view(-1, dims), w).view(frames, regionsPerFrame, dims);
        var f2f = torch.einsum("iok,jpk->iopj", x, x).mean([1, 2]);
        return Comparator(f2f, w, "visil_head.", replicate: false).mean().item<float>();
    }

    /// <summary>The selector MLP on (N, 3) triples: (Linear, BatchNorm, ReLU) ×2, Linear, sigmoid.</summary>
    public static torch.Tensor SelectorScores(torch.Tensor triples, RandomStateDict w)
    {
        using var scope = torch.NewDisposeScope();
        var x = triples;
        foreach (int i in new[] { 0, 4 })
        {
            x = F.linear(x, w.Torch($"mlp.model.{i}.weight"));
            string bn = $"mlp.model.{i + 1}.";
            x = F.relu(F.batch_norm(x, w.Torch(bn + "running_mean"), w.Torch(bn + "running_var"), w.Torch(bn + "weight"), w.Torch(bn + "bias")));
        }
        return F.linear(x, w.Torch("mlp.model.8.weight"), w.Torch("mlp.model.8.bias")).sigmoid().MoveToOuterDisposeScope();
    }
}
