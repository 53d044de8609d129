using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>A PyTorch <c>nn.Linear</c>: <c>y = x·Wᵀ + b</c> with W stored <c>[out, in]</c>.</summary>
internal sealed class LinearLayer
{
    private readonly float[] _weight;
    private readonly float[]? _bias;

    private LinearLayer(float[] weight, float[]? bias, int outFeatures, int inFeatures)
    {
        _weight = weight;
        _bias = bias;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>Loads <c>{prefix}weight</c> (and <c>{prefix}bias</c> when <paramref name="bias"/>); -1 infers a size from the file.</summary>
    public static LinearLayer Load(ITensorSource source, string prefix, int outFeatures, int inFeatures, bool bias)
    {
        var info = source.GetInfo(prefix + StateDictKeys.Weight);
        source.CheckShape(info, [outFeatures, inFeatures]);
        int outs = info.Shape[0], ins = info.Shape[1];
        var weight = source.ReadFloats(prefix + StateDictKeys.Weight, outs, ins);
        return new LinearLayer(weight, bias ? source.ReadFloats(prefix + StateDictKeys.Bias, outs) : null, outs, ins);
    }

    /// <summary>Wraps an already-read weight, e.g. a 1×1 convolution's <c>[out, in, 1, 1]</c> kernel.</summary>
    public static LinearLayer FromWeights(float[] weight, float[]? bias, int outFeatures, int inFeatures) =>
        new(weight, bias, outFeatures, inFeatures);

    /// <summary>Applies the layer to <paramref name="rows"/> input rows; output is rows × <see cref="OutFeatures"/>.</summary>
    public void Apply(ReadOnlySpan<float> input, int rows, Span<float> output)
    {
        var y = output[..(rows * OutFeatures)];
        Gemm.MultiplyTransposed(input[..(rows * InFeatures)], _weight, y, rows, OutFeatures, InFeatures);
        if (_bias is null) return;
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * OutFeatures, OutFeatures);
            TensorPrimitives.Add(row, _bias, row);
        }
    }
}
