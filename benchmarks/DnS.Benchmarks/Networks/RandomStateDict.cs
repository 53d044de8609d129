using DnS.Benchmarks.Infrastructure;
using DnS.Core.Weights;
using TorchSharp;

namespace DnS.Benchmarks.Networks;

/// <summary>
/// A seeded random state dict with the reference's PyTorch names, written to a temporary safetensors file so the
/// DnS networks load it through their real loaders, while TorchSharp gets tensors of the very same values.
/// </summary>
public sealed class RandomStateDict : IDisposable
{
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, torch.Tensor> _torchTensors = new(StringComparer.Ordinal);
    private readonly Random _random;
    private string? _path;

    /// <summary>Creates an empty state dict whose values come from <paramref name="seed"/>.</summary>
    public RandomStateDict(int seed) => _random = new Random(seed);

    /// <summary>Adds a tensor of uniform values in [−scale, scale] plus <paramref name="offset"/>.</summary>
    public RandomStateDict Add(string name, float scale, float offset, params int[] shape)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = offset + scale * (float)(2 * _random.NextDouble() - 1);
        _tensors[name] = (data, shape.Select(d => (long)d).ToArray());
        return this;
    }

    /// <summary>Adds the video comparator's convolutions under <paramref name="prefix"/>.</summary>
    public RandomStateDict AddComparator(string prefix) =>
        Add(prefix + "conv1.weight", 0.3f, 0, 32, 1, 3, 3).Add(prefix + "conv1.bias", 0.02f, 0, 32)
            .Add(prefix + "conv2.weight", 0.06f, 0, 64, 32, 3, 3).Add(prefix + "conv2.bias", 0.02f, 0, 64)
            .Add(prefix + "conv3.weight", 0.04f, 0, 128, 64, 3, 3).Add(prefix + "conv3.bias", 0.02f, 0, 128)
            .Add(prefix + "fconv.weight", 0.1f, 0, 1, 128, 1, 1).Add(prefix + "fconv.bias", 0.02f, 0, 1);

    /// <summary>Adds the students' h-attention under <c>attention.</c>.</summary>
    public RandomStateDict AddAttention(int dims) =>
        Add("attention.transform.weight", 1f / MathF.Sqrt(dims), 0, dims, dims).Add("attention.transform.bias", 0.1f, 0, dims)
            .Add("attention.context_vector.weight", 1f / MathF.Sqrt(dims), 0, 1, dims);

    /// <summary>
    /// A coarse student's weights: attention, one post-norm Transformer layer (<paramref name="feedForward"/> wide) and
    /// NetVLAD with <paramref name="clusters"/> clusters reduced to <paramref name="outputs"/> dims.
    /// </summary>
    public static RandomStateDict CoarseStudent(int seed, int dims, int feedForward, int clusters, int outputs)
    {
        var weights = new RandomStateDict(seed).AddAttention(dims);
        const string p = "transformer.layers.0.";
        return weights.Add(p + "self_attn.in_proj_weight", 0.05f, 0, 3 * dims, dims).Add(p + "self_attn.in_proj_bias", 0.02f, 0, 3 * dims)
            .Add(p + "self_attn.out_proj.weight", 0.05f, 0, dims, dims).Add(p + "self_attn.out_proj.bias", 0.02f, 0, dims)
            .Add(p + "linear1.weight", 0.04f, 0, feedForward, dims).Add(p + "linear1.bias", 0.02f, 0, feedForward)
            .Add(p + "linear2.weight", 0.02f, 0, dims, feedForward).Add(p + "linear2.bias", 0.02f, 0, dims)
            .Add(p + "norm1.weight", 0.1f, 1, dims).Add(p + "norm1.bias", 0.1f, 0, dims).Add(p + "norm2.weight", 0.1f, 1, dims).Add(p + "norm2.bias", 0.1f, 0, dims)
            .Add("transformer.norm.weight", 0.1f, 1, dims).Add("transformer.norm.bias", 0.1f, 0, dims)
            .Add("netvlad.centroids", 0.05f, 0, clusters, dims).Add("netvlad.conv.weight", 0.1f, 0, clusters, dims, 1, 1)
            .Add("netvlad.reduction_layer.weight", 0.005f, 0, outputs, clusters * dims)
            .Add("netvlad.norm.weight", 0.1f, 1, outputs).Add("netvlad.norm.bias", 0.1f, 0, outputs);
    }

    /// <summary>A selector's weights: attention and comparator for the self-similarity, and the 3 → 100 → 100 → 1 MLP with BatchNorm.</summary>
    public static RandomStateDict Selector(int seed, int dims)
    {
        var weights = new RandomStateDict(seed).AddAttention(dims).AddComparator("visil_head.")
            .Add("mlp.model.0.weight", 0.5f, 0, 100, 3).Add("mlp.model.4.weight", 0.1f, 0, 100, 100).Add("mlp.model.8.weight", 0.1f, 0, 1, 100).Add("mlp.model.8.bias", 0.1f, 0, 1);
        foreach (int bn in new[] { 1, 5 })
            weights.Add($"mlp.model.{bn}.weight", 0.5f, 1, 100).Add($"mlp.model.{bn}.bias", 0.2f, 0, 100)
                .Add($"mlp.model.{bn}.running_mean", 0.3f, 0, 100).Add($"mlp.model.{bn}.running_var", 0.25f, 0.3f, 100);
        return weights;
    }

    /// <summary>A binary fine student's weights: the projection to <paramref name="bits"/> signs and the comparator.</summary>
    public static RandomStateDict BinaryStudent(int seed, int dims, int bits) =>
        new RandomStateDict(seed).Add("binarization.W", 0.05f, 0, dims, bits).AddComparator("visil_head.");

    /// <summary>Writes the safetensors file (once) and opens it.</summary>
    public ITensorSource Open()
    {
        if (_path is null)
        {
            var writer = new SafeTensorsWriter();
            foreach (var (name, (data, shape)) in _tensors) writer.Add(name, data, shape.Select(d => (int)d).ToArray());
            _path = Path.Combine(Path.GetTempPath(), $"dns-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
            writer.WriteAsync(_path).GetAwaiter().GetResult();
        }
        return SafeTensorsFile.Open(_path);
    }

    /// <summary>Copies every tensor into libtorch once, outside any dispose scope, so the peers never copy weights in the timed loop.</summary>
    public RandomStateDict PrepareTorch()
    {
        foreach (var (name, (data, shape)) in _tensors)
            if (!_torchTensors.ContainsKey(name)) _torchTensors[name] = TorchRuntime.Tensor(data, shape);
        return this;
    }

    /// <summary>The tensor as a TorchSharp tensor (owned by this object; <see cref="PrepareTorch"/> first).</summary>
    public torch.Tensor Torch(string name) =>
        _torchTensors.TryGetValue(name, out var t) ? t : throw new InvalidOperationException($"call PrepareTorch() before using '{name}'");

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _torchTensors.Values) t.Dispose();
        if (_path is not null) File.Delete(_path);
    }
}
