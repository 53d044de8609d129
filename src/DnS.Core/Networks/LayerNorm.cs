using System.Numerics.Tensors;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>PyTorch <c>nn.LayerNorm</c> over the last dimension: biased variance, eps inside the square root, affine.</summary>
internal sealed class LayerNorm
{
    private const float Epsilon = 1e-5f;
    private readonly float[] _weight;
    private readonly float[] _bias;

    private LayerNorm(float[] weight, float[] bias)
    {
        _weight = weight;
        _bias = bias;
    }

    public int Dims => _weight.Length;

    public static LayerNorm Load(ITensorSource source, string prefix, int dims) =>
        new(source.ReadFloats(prefix + StateDictKeys.Weight, dims), source.ReadFloats(prefix + StateDictKeys.Bias, dims));

    /// <summary>Normalizes each row of <see cref="Dims"/> values in place.</summary>
    public void Apply(Span<float> rows)
    {
        int d = Dims;
        for (int start = 0; start < rows.Length; start += d)
        {
            var x = rows.Slice(start, d);
            float mean = TensorPrimitives.Sum(x) / d;
            TensorPrimitives.Subtract(x, mean, x);
            float variance = TensorPrimitives.SumOfSquares(x) / d;
            TensorPrimitives.Multiply(x, 1f / MathF.Sqrt(variance + Epsilon), x);
            TensorPrimitives.FusedMultiplyAdd(x, _weight, _bias, x);
        }
    }
}
