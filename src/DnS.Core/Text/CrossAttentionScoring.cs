using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Weights;

namespace DnS.Core.Text;

/// <summary>
/// The trained slow head of text search (<c>dns-train text head</c>, from captioned videos): cross-attention of a text
/// embedding q over a video's frame embeddings f₁..f_T with learned bilinear query–key and query–value maps,
/// <c>aₜ = softmax(⟨q + A q, fₜ⟩ / τ)</c>, score <c>Σₜ aₜ ⟨q + B q, fₜ⟩</c>. With A and B zero it is
/// <see cref="TextVideoScoring.SlowScore"/> at temperature τ (its initialization). Weights: a safetensors file with
/// <c>key.weight</c> [D, D], <c>value.weight</c> [D, D] and <c>log_temperature</c> [1] (τ = e^log_temperature).
/// </summary>
/// <remarks>Immutable after loading; safe for concurrent calls.</remarks>
public sealed class CrossAttentionScoring
{
    /// <summary>The query–key map A (an nn.Linear without bias).</summary>
    internal const string KeyKey = "key";

    /// <summary>The query–value map B (an nn.Linear without bias).</summary>
    internal const string ValueKey = "value";

    /// <summary>ln τ [1].</summary>
    internal const string LogTemperatureKey = "log_temperature";

    private readonly LinearLayer _key;
    private readonly LinearLayer _value;

    private CrossAttentionScoring(LinearLayer key, LinearLayer value, float temperature)
    {
        _key = key;
        _value = value;
        Temperature = temperature;
    }

    /// <summary>Embedding width D.</summary>
    public int Dimension => _key.InFeatures;

    /// <summary>The learned attention temperature τ.</summary>
    public float Temperature { get; }

    /// <summary>Loads the weights <c>dns-train text head</c> writes.</summary>
    /// <param name="path">A safetensors (or PyTorch) file.</param>
    /// <exception cref="WeightsFormatException">A tensor is missing, of another shape or not finite, or τ is not positive; the message names the file.</exception>
    public static CrossAttentionScoring Load(string path)
    {
        using var source = TensorSources.Open(path);
        source.RequireOnly("cross-attention text head", KeyKey + ".", ValueKey + ".", LogTemperatureKey);
        var key = LinearLayer.Load(source, KeyKey + ".", -1, -1, bias: false);
        if (key.InFeatures != key.OutFeatures)
            throw new WeightsFormatException(source.SourceName, $"'{KeyKey}.weight' is {key.OutFeatures}×{key.InFeatures}; it must be square", KeyKey + ".weight");
        var value = LinearLayer.Load(source, ValueKey + ".", key.InFeatures, key.InFeatures, bias: false);
        float temperature = MathF.Exp(source.ReadFloats(LogTemperatureKey, 1)[0]);
        if (!(temperature > 0) || !float.IsFinite(temperature))
            throw new WeightsFormatException(source.SourceName, $"'{LogTemperatureKey}' gives τ = {temperature}; it must be a positive finite number", LogTemperatureKey);
        return new CrossAttentionScoring(key, value, temperature);
    }

    /// <summary>The score of one text against one video's frames.</summary>
    /// <param name="text">The normalized text embedding (D floats).</param>
    /// <param name="frames">T ≥ 1 normalized frame embeddings, T×D row-major.</param>
    /// <exception cref="ArgumentException">The lengths do not fit D.</exception>
    public float Score(ReadOnlySpan<float> text, ReadOnlySpan<float> frames)
    {
        Span<float> score = stackalloc float[1];
        Score(text, frames, [TextVideoScoring.FrameCount(frames.Length, Dimension, nameof(frames))], score);
        return score[0];
    }

    /// <summary>
    /// The scores of one text against K videos whose frames lie back to back (the slow stage's top-K): the text's two
    /// projections are computed once, then each video costs two dot products per frame.
    /// </summary>
    /// <param name="text">The normalized text embedding (D floats).</param>
    /// <param name="frames">The videos' normalized frame embeddings, (Σ frameCounts)×D row-major, video after video.</param>
    /// <param name="frameCounts">Frames of each video (each ≥ 1).</param>
    /// <param name="scores">Destination, one score per video.</param>
    /// <exception cref="ArgumentException">The lengths do not fit D or the counts.</exception>
    public void Score(ReadOnlySpan<float> text, ReadOnlySpan<float> frames, ReadOnlySpan<int> frameCounts, Span<float> scores)
    {
        int dimension = Dimension;
        if (text.Length != dimension) throw new ArgumentException($"the text embedding holds {text.Length} floats; the head's D is {dimension}.", nameof(text));
        if (scores.Length != frameCounts.Length) throw new ArgumentException($"{frameCounts.Length} videos need {frameCounts.Length} scores; the destination holds {scores.Length}.", nameof(scores));
        long total = 0;
        int longest = 0;
        foreach (int count in frameCounts)
        {
            if (count < 1) throw new ArgumentException($"a video has {count} frames; each needs at least one.", nameof(frameCounts));
            total += count;
            longest = Math.Max(longest, count);
        }
        if (total * dimension != frames.Length)
            throw new ArgumentException($"{total} frames of {dimension} floats need {total * dimension}; the frames hold {frames.Length}.", nameof(frames));
        float[] rented = ArrayPool<float>.Shared.Rent(2 * dimension + 2 * longest);
        try
        {
            Span<float> keyQuery = rented.AsSpan(0, dimension), valueQuery = rented.AsSpan(dimension, dimension);
            _key.Apply(text, 1, keyQuery);
            TensorPrimitives.Add(keyQuery, text, keyQuery);
            _value.Apply(text, 1, valueQuery);
            TensorPrimitives.Add(valueQuery, text, valueQuery);
            int first = 0;
            for (int v = 0; v < frameCounts.Length; v++)
            {
                int count = frameCounts[v];
                var video = frames.Slice(first * dimension, count * dimension);
                Span<float> weights = rented.AsSpan(2 * dimension, count), values = rented.AsSpan(2 * dimension + count, count);
                DotKernel.OneVsMany(keyQuery, video, weights);
                DotKernel.OneVsMany(valueQuery, video, values);
                TextVideoScoring.StableSoftMax(weights, Temperature);
                scores[v] = TensorPrimitives.Dot(weights, values);
                first += count;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
