using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// PyTorch <c>nn.TransformerEncoderLayer</c> in eval mode, post-norm with ReLU:
/// <c>x = LN1(x + MHA(x)); x = LN2(x + W2·relu(W1·x + b1) + b2)</c>. The multi-head self-attention splits
/// <c>in_proj_weight</c> [3D, D] into Wq, Wk, Wv by rows and each head is a contiguous block of D/H dimensions.
/// </summary>
internal sealed class TransformerEncoderLayer
{
    private readonly LinearLayer _inProjection, _outProjection, _linear1, _linear2;
    private readonly LayerNorm _norm1, _norm2;
    private readonly int _heads;

    private TransformerEncoderLayer(LinearLayer inProjection, LinearLayer outProjection, LinearLayer linear1, LinearLayer linear2,
        LayerNorm norm1, LayerNorm norm2, int heads)
    {
        (_inProjection, _outProjection, _linear1, _linear2, _norm1, _norm2, _heads) =
            (inProjection, outProjection, linear1, linear2, norm1, norm2, heads);
    }

    public int Dims => _outProjection.OutFeatures;

    public static TransformerEncoderLayer Load(ITensorSource source, string prefix, int dims, int heads)
    {
        if (heads <= 0 || dims % heads != 0)
            throw new WeightsFormatException(source.SourceName, $"{heads} attention heads do not divide the model size {dims} of '{prefix}'");
        var linear1 = LinearLayer.Load(source, StateDictKeys.Child(prefix, StateDictKeys.Linear1), -1, dims, bias: true);
        return new TransformerEncoderLayer(
            LinearLayer.Load(source, StateDictKeys.Child(prefix, StateDictKeys.SelfAttention) + StateDictKeys.InProjection, 3 * dims, dims, bias: true),
            LinearLayer.Load(source, StateDictKeys.Child(StateDictKeys.Child(prefix, StateDictKeys.SelfAttention), StateDictKeys.OutProjection), dims, dims, bias: true),
            linear1,
            LinearLayer.Load(source, StateDictKeys.Child(prefix, StateDictKeys.Linear2), dims, linear1.OutFeatures, bias: true),
            LayerNorm.Load(source, StateDictKeys.Child(prefix, StateDictKeys.Norm1), dims),
            LayerNorm.Load(source, StateDictKeys.Child(prefix, StateDictKeys.Norm2), dims),
            heads);
    }

    /// <summary>Transforms T frames of D floats in place.</summary>
    public void Apply(Span<float> x, int frames)
    {
        int d = Dims, t = frames, dh = d / _heads, ff = _linear1.OutFeatures;
        int qkvLength = t * 3 * d, headLength = t * dh;
        int scratchLength = qkvLength + 3 * headLength + t * t + headLength + 2 * t * d + t * ff;
        float[] rented = ArrayPool<float>.Shared.Rent(scratchLength);
        try
        {
            var scratch = rented.AsSpan(0, scratchLength);
            var qkv = Take(ref scratch, qkvLength);
            var q = Take(ref scratch, headLength);
            var k = Take(ref scratch, headLength);
            var vT = Take(ref scratch, headLength);
            var scores = Take(ref scratch, t * t);
            var headOut = Take(ref scratch, headLength);
            var concat = Take(ref scratch, t * d);
            var attended = Take(ref scratch, t * d);
            var hidden = Take(ref scratch, t * ff);

            _inProjection.Apply(x, t, qkv);
            float scale = 1f / MathF.Sqrt(dh);
            for (int h = 0; h < _heads; h++)
            {
                for (int i = 0; i < t; i++)
                {
                    var row = qkv.Slice(i * 3 * d, 3 * d);
                    TensorPrimitives.Multiply(row.Slice(h * dh, dh), scale, q.Slice(i * dh, dh)); // PyTorch scales q before Q·Kᵀ
                    row.Slice(d + h * dh, dh).CopyTo(k.Slice(i * dh, dh));
                    for (int c = 0; c < dh; c++) vT[c * t + i] = row[2 * d + h * dh + c];
                }
                Gemm.MultiplyTransposed(q, k, scores, t, t, dh);
                for (int i = 0; i < t; i++)
                {
                    var s = scores.Slice(i * t, t);
                    TensorPrimitives.SoftMax(s, s);
                }
                Gemm.MultiplyTransposed(scores, vT, headOut, t, dh, t);
                for (int i = 0; i < t; i++) headOut.Slice(i * dh, dh).CopyTo(concat.Slice(i * d + h * dh, dh));
            }
            _outProjection.Apply(concat, t, attended);
            TensorPrimitives.Add(x, attended, x);
            _norm1.Apply(x);

            _linear1.Apply(x, t, hidden);
            TensorPrimitives.Max(hidden, 0f, hidden);
            _linear2.Apply(hidden, t, attended);
            TensorPrimitives.Add(x, attended, x);
            _norm2.Apply(x);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static Span<float> Take(ref Span<float> scratch, int length)
    {
        var part = scratch[..length];
        scratch = scratch[length..];
        return part;
    }
}
