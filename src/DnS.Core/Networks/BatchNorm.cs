using System.Numerics.Tensors;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// Eval-mode <c>nn.BatchNorm1d</c>: (x − running_mean)/√(running_var + 1e-5)·weight + bias, precomputed as one
/// scale and shift per feature.
/// </summary>
internal sealed class BatchNorm
{
    private const float Epsilon = 1e-5f;
    private readonly float[] _scale;
    private readonly float[] _shift;

    private BatchNorm(float[] scale, float[] shift)
    {
        _scale = scale;
        _shift = shift;
    }

    public static BatchNorm Load(ITensorSource source, string prefix, int features)
    {
        var weight = source.ReadFloats(prefix + StateDictKeys.Weight, features);
        var bias = source.ReadFloats(prefix + StateDictKeys.Bias, features);
        var mean = source.ReadFloats(prefix + StateDictKeys.RunningMean, features);
        var variance = source.ReadFloats(prefix + StateDictKeys.RunningVariance, features);
        var scale = new float[features];
        var shift = new float[features];
        for (int i = 0; i < features; i++)
        {
            scale[i] = weight[i] / MathF.Sqrt(variance[i] + Epsilon);
            shift[i] = bias[i] - mean[i] * scale[i];
        }
        return new BatchNorm(scale, shift);
    }

    /// <summary>Normalizes rows of <c>features</c> values in place.</summary>
    public void Apply(Span<float> rows)
    {
        int n = _scale.Length;
        for (int start = 0; start < rows.Length; start += n)
        {
            var x = rows.Slice(start, n);
            TensorPrimitives.FusedMultiplyAdd(x, _scale, _shift, x);
        }
    }
}
