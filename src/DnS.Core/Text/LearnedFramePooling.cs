using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Weights;

namespace DnS.Core.Text;

/// <summary>
/// The fast side of text search with learned pooling (distilled from the slow scores by <c>dns-train text distill</c>):
/// a video's frame embeddings f₁..f_T become one embedding <c>v = normalize(p + W p + b)</c> with
/// <c>p = Σₜ softmax(⟨c, fₜ⟩)ₜ fₜ</c>, scored against a text embedding by a dot product like
/// <see cref="TextVideoScoring.PoolFrames"/>'s mean (which it equals with c, W and b zero, its initialization).
/// Weights: a safetensors file with <c>context</c> [D], <c>projection.weight</c> [D, D] and <c>projection.bias</c> [D].
/// </summary>
/// <remarks>Immutable after loading; safe for concurrent calls.</remarks>
public sealed class LearnedFramePooling
{
    /// <summary>The attention context vector c [D].</summary>
    internal const string ContextKey = "context";

    /// <summary>The residual projection (an nn.Linear, W [D, D] and b [D]).</summary>
    internal const string ProjectionKey = "projection";

    private readonly float[] _context;
    private readonly LinearLayer _projection;

    private LearnedFramePooling(float[] context, LinearLayer projection)
    {
        _context = context;
        _projection = projection;
    }

    /// <summary>Embedding width D.</summary>
    public int Dimension => _context.Length;

    /// <summary>Loads the weights <c>dns-train text distill</c> writes.</summary>
    /// <param name="path">A safetensors (or PyTorch) file.</param>
    /// <exception cref="WeightsFormatException">A tensor is missing, of another shape or not finite; the message names the file.</exception>
    public static LearnedFramePooling Load(string path)
    {
        using var source = TensorSources.Open(path);
        var context = source.ReadFloats(ContextKey, -1);
        source.RequireOnly("learned frame pooling", ContextKey, ProjectionKey + ".");
        return new LearnedFramePooling(context, LinearLayer.Load(source, ProjectionKey + ".", context.Length, context.Length, bias: true));
    }

    /// <summary>The video embedding of <paramref name="frames"/> (T×D, row-major, T ≥ 1), L2-normalized, into <paramref name="pooled"/> (D floats).</summary>
    /// <exception cref="ArgumentException">The lengths do not fit D.</exception>
    public void Pool(ReadOnlySpan<float> frames, Span<float> pooled)
    {
        int dimension = Dimension;
        if (pooled.Length != dimension) throw new ArgumentException($"the pooled embedding holds {pooled.Length} floats; the pooling's D is {dimension}.", nameof(pooled));
        int count = TextVideoScoring.FrameCount(frames.Length, dimension, nameof(frames));
        float[] rented = ArrayPool<float>.Shared.Rent(count + dimension);
        try
        {
            Span<float> weights = rented.AsSpan(0, count), mean = rented.AsSpan(count, dimension);
            DotKernel.OneVsMany(_context, frames, weights);
            TextVideoScoring.StableSoftMax(weights, 1f);
            mean.Clear();
            for (int t = 0; t < count; t++)
                TensorPrimitives.MultiplyAdd(frames.Slice(t * dimension, dimension), weights[t], mean, mean);
            _projection.Apply(mean, 1, pooled);
            TensorPrimitives.Add(pooled, mean, pooled);
            L2Normalization.Normalize(pooled);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
