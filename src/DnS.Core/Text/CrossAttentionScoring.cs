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
        int dimension = Dimension;
        if (text.Length != dimension) throw new ArgumentException($"the text embedding holds {text.Length} floats; the head's D is {dimension}.", nameof(text));
        int count = TextVideoScoring.FrameCount(frames.Length, dimension, nameof(frames));
        float[] rented = ArrayPool<float>.Shared.Rent(2 * dimension + 2 * count);
        try
        {
            Span<float> keyQuery = rented.AsSpan(0, dimension), valueQuery = rented.AsSpan(dimension, dimension);
            Span<float> weights = rented.AsSpan(2 * dimension, count), values = rented.AsSpan(2 * dimension + count, count);
            _key.Apply(text, 1, keyQuery);
            TensorPrimitives.Add(keyQuery, text, keyQuery);
            _value.Apply(text, 1, valueQuery);
            TensorPrimitives.Add(valueQuery, text, valueQuery);
            DotKernel.OneVsMany(keyQuery, frames, weights);
            DotKernel.OneVsMany(valueQuery, frames, values);
            TextVideoScoring.StableSoftMax(weights, Temperature);
            return TensorPrimitives.Dot(weights, values);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
