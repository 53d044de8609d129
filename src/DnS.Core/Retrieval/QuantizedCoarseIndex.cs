using System.Buffers;
using DnS.Core.Kernels;

namespace DnS.Core.Retrieval;

/// <summary>
/// Compact coarse embeddings: every vector as int8 codes with one float scale (D + 4 bytes instead of 4·D, 3.98× fewer
/// at D = 1024), scanned with <see cref="QuantizedDotKernel"/>. <see cref="Search"/> pre-ranks the whole library on the
/// codes and re-scores the best candidates with the exact floats, so its ranking is the float ranking whenever the
/// float top-k are among the candidates (measured: docs/kernels.md, "Quantized coarse scan").
/// </summary>
/// <remarks>Immutable and thread-safe once built; a search rents its working arrays from the shared pool.</remarks>
public sealed class QuantizedCoarseIndex
{
    private readonly sbyte[] _codes;
    private readonly float[] _scales;

    private QuantizedCoarseIndex(sbyte[] codes, float[] scales, int dimensions)
    {
        _codes = codes;
        _scales = scales;
        Dimensions = dimensions;
    }

    /// <summary>Vectors in the index.</summary>
    public int Count => _scales.Length;

    /// <summary>Dimensions per vector.</summary>
    public int Dimensions { get; }

    /// <summary>Bytes one vector takes: D int8 codes and a float scale.</summary>
    public int BytesPerVector => Dimensions + sizeof(float);

    /// <summary>Quantizes N×D row-major float vectors (e.g. a store's coarse embeddings).</summary>
    /// <param name="vectors">N×D row-major floats; its length must be a multiple of <paramref name="dimensions"/>.</param>
    /// <param name="dimensions">D, 1 to <see cref="QuantizedDotKernel.MaxDimensions"/>.</param>
    /// <exception cref="ArgumentException">The length does not divide, or a vector holds NaN or ±∞ (the message names its row).</exception>
    public static QuantizedCoarseIndex Quantize(ReadOnlySpan<float> vectors, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, QuantizedDotKernel.MaxDimensions);
        int rows = Math.DivRem(vectors.Length, dimensions, out int rest);
        if (rest != 0)
            throw new ArgumentException($"{vectors.Length} floats are not a whole number of {dimensions}-dimensional vectors", nameof(vectors));
        var codes = new sbyte[vectors.Length];
        var scales = new float[rows];
        for (int n = 0; n < rows; n++)
        {
            try
            {
                scales[n] = Int8Quantization.Quantize(vectors.Slice(n * dimensions, dimensions), codes.AsSpan(n * dimensions, dimensions));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"coarse vector {n}: {e.Message}", nameof(vectors), e);
            }
        }

        return new QuantizedCoarseIndex(codes, scales, dimensions);
    }

    /// <summary>Approximate scores of a float query against every vector (the query is quantized the same way).</summary>
    /// <param name="query">D floats.</param>
    /// <param name="scores">At least <see cref="Count"/> elements; the first Count are written.</param>
    public void Score(ReadOnlySpan<float> query, Span<float> scores)
    {
        KernelGuard.Exact(query.Length, Dimensions, nameof(query), new(null, Dimensions));
        sbyte[] queryCodes = ArrayPool<sbyte>.Shared.Rent(Dimensions);
        try
        {
            Span<sbyte> codes = queryCodes.AsSpan(0, Dimensions);
            float queryScale = Int8Quantization.Quantize(query, codes);
            QuantizedDotKernel.OneVsMany(codes, queryScale, _codes, _scales, scores);
        }
        finally
        {
            ArrayPool<sbyte>.Shared.Return(queryCodes);
        }
    }

    /// <summary>The k best vectors for a query: pre-ranks all of them on the int8 codes, keeps the
    /// <paramref name="candidates"/> best, and ranks those by their exact float dot products
    /// (<see cref="DotKernel"/>, bitwise the scores of a float scan), ties to the lower ordinal.</summary>
    /// <param name="query">D floats.</param>
    /// <param name="vectors">The exact N×D float vectors this index was quantized from.</param>
    /// <param name="candidates">Pre-ranked vectors to re-score; at least k (more candidates: more float reads, fewer misses).</param>
    /// <param name="ordinals">Receives the best ordinals, best first; its length is k.</param>
    /// <param name="scores">Receives their exact float scores; at least k.</param>
    /// <returns>The number written: <c>min(k, Count)</c>.</returns>
    public int Search(ReadOnlySpan<float> query, ReadOnlySpan<float> vectors, int candidates, Span<int> ordinals, Span<float> scores)
    {
        int dims = Dimensions;
        KernelGuard.Exact(vectors.Length, (long)Count * dims, nameof(vectors), new("N", dims));
        KernelGuard.Destination(scores.Length, ordinals.Length, nameof(scores), new("k", ordinals.Length));
        if (candidates < ordinals.Length)
            throw new ArgumentOutOfRangeException(nameof(candidates), candidates, $"the candidates to re-score must be at least k = {ordinals.Length}");
        int shortlist = Math.Min(candidates, Count);
        int k = Math.Min(ordinals.Length, shortlist);
        float[] approximate = ArrayPool<float>.Shared.Rent(Count);
        float[] exact = ArrayPool<float>.Shared.Rent(shortlist);
        int[] chosen = ArrayPool<int>.Shared.Rent(shortlist);
        int[] positions = ArrayPool<int>.Shared.Rent(k);
        try
        {
            Score(query, approximate);
            Span<int> shortlisted = chosen.AsSpan(0, shortlist);
            TopK.Select(approximate.AsSpan(0, Count), shortlisted, exact);
            // Ordinal order, so exact ties go to the lower ordinal as in a float scan's TopK.
            shortlisted.Sort();
            for (int i = 0; i < shortlist; i++)
                DotKernel.OneVsMany(query, vectors.Slice(shortlisted[i] * dims, dims), exact.AsSpan(i, 1));
            TopK.Select(exact.AsSpan(0, shortlist), positions.AsSpan(0, k), scores);
            for (int i = 0; i < k; i++)
                ordinals[i] = shortlisted[positions[i]];
            return k;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(approximate);
            ArrayPool<float>.Shared.Return(exact);
            ArrayPool<int>.Shared.Return(chosen);
            ArrayPool<int>.Shared.Return(positions);
        }
    }
}
