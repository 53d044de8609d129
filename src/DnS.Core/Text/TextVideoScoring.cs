using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Kernels;

namespace DnS.Core.Text;

/// <summary>
/// Text–video scores over CLIP embeddings (L2-normalized text embedding q, frame embeddings f₁..f_T of one video), the
/// two stages of <i>Thinking Fast and Slow</i> without learned parameters:
/// <list type="bullet">
/// <item><b>fast</b>: <c>⟨q, v⟩</c> with the pooled video embedding <c>v = normalize(Σₜ fₜ / T)</c>, one dot product per
/// video, scanned with <see cref="DotKernel"/>;</item>
/// <item><b>slow</b>: text-conditioned attention over the frames, <c>sₜ = ⟨q, fₜ⟩</c>, <c>aₜ = softmax(sₜ / τ)</c>,
/// score <c>Σₜ aₜ sₜ</c>. As τ → ∞ it is the mean frame similarity, as τ → 0 the best frame's; CLIP's own choice is
/// τ = 1 / logit scale (0.01 for trained OpenAI models).</item>
/// </list>
/// </summary>
public static class TextVideoScoring
{
    /// <summary>The pooled video embedding: the L2-normalized mean of <paramref name="frames"/> (T×D, row-major).</summary>
    /// <param name="frames">T ≥ 1 frame embeddings of <paramref name="pooled"/>.Length dimensions each.</param>
    /// <param name="pooled">Destination of D floats.</param>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void PoolFrames(ReadOnlySpan<float> frames, Span<float> pooled)
    {
        int dimension = pooled.Length;
        int count = FrameCount(frames.Length, dimension, nameof(frames));
        pooled.Clear();
        for (int t = 0; t < count; t++)
            TensorPrimitives.Add(pooled, frames.Slice(t * dimension, dimension), pooled);
        L2Normalization.Normalize(pooled);
    }

    /// <summary>Fast scores of one text against N pooled video embeddings (N×D, row-major): <c>scores[n] = ⟨text, videos[n]⟩</c>.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void FastScores(ReadOnlySpan<float> text, ReadOnlySpan<float> videos, Span<float> scores) =>
        DotKernel.OneVsMany(text, videos, scores);

    /// <summary>The slow score of one text against one video's frames: attention-weighted frame similarity, <c>Σₜ softmax(sₜ/τ)ₜ sₜ</c>.</summary>
    /// <param name="text">The normalized text embedding (D floats).</param>
    /// <param name="frames">T ≥ 1 normalized frame embeddings, T×D row-major.</param>
    /// <param name="temperature">τ &gt; 0; smaller attends to fewer frames.</param>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not a positive finite number.</exception>
    public static float SlowScore(ReadOnlySpan<float> text, ReadOnlySpan<float> frames, float temperature)
    {
        if (!(temperature > 0) || !float.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        int count = FrameCount(frames.Length, text.Length, nameof(frames));
        float[] rented = ArrayPool<float>.Shared.Rent(2 * count);
        try
        {
            Span<float> similarities = rented.AsSpan(0, count), weights = rented.AsSpan(count, count);
            DotKernel.OneVsMany(text, frames, similarities);
            similarities.CopyTo(weights);
            StableSoftMax(weights, temperature);
            return TensorPrimitives.Dot(weights, similarities);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>softmax(x / τ) in place, shifted by max x first: SoftMax does not, and exp(x/τ) overflows for small τ.</summary>
    internal static void StableSoftMax(Span<float> values, float temperature)
    {
        TensorPrimitives.Subtract(values, TensorPrimitives.Max(values), values);
        TensorPrimitives.Divide(values, temperature, values);
        TensorPrimitives.SoftMax(values, values);
    }

    internal static int FrameCount(int length, int dimension, string name)
    {
        if (dimension < 1 || length < dimension || length % dimension != 0)
            throw new ArgumentException($"frame embeddings hold {length} floats; they must be T ≥ 1 rows of {dimension}.", name);
        return length / dimension;
    }
}
