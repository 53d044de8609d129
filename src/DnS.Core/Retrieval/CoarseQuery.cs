using System.Buffers;
using DnS.Core.Kernels;
using DnS.Core.Storage;

namespace DnS.Core.Retrieval;

/// <summary>
/// A query's coarse embedding in the form the store's coarse blocks are scanned in: the float vector
/// (<see cref="DotKernel"/> over <see cref="CoarseBlock.Vectors"/>) or, when the store keeps int8 codes, its own int8
/// codes and scale (<see cref="QuantizedDotKernel"/> over the mapped <see cref="CoarseBlock.Codes"/>, a quarter of the
/// reads). The codes come from the shared pool and go back on <see cref="Dispose"/>.
/// </summary>
internal sealed class CoarseQuery : IDisposable
{
    private readonly ReadOnlyMemory<float> _vector;
    private readonly sbyte[]? _codes;
    private readonly float _scale;
    private readonly int _dims;

    private CoarseQuery(ReadOnlyMemory<float> vector, sbyte[]? codes, float scale, int dims)
    {
        _vector = vector;
        _codes = codes;
        _scale = scale;
        _dims = dims;
    }

    /// <summary>The scan form of a query already validated against <paramref name="schema"/> (finite when it has codes).</summary>
    public static CoarseQuery Of(VideoRecord query, StoreSchema schema)
    {
        int dims = schema.CoarseDimensions;
        if (!schema.HasCoarseCodes) return new CoarseQuery(query.Coarse, null, 0f, dims);
        var codes = ArrayPool<sbyte>.Shared.Rent(dims);
        float scale = Int8Quantization.Quantize(query.Coarse.Span, codes.AsSpan(0, dims));
        return new CoarseQuery(query.Coarse, codes, scale, dims);
    }

    /// <summary>Scores every row of <paramref name="block"/> into <paramref name="scores"/>.</summary>
    public void Scan(in CoarseBlock block, Span<float> scores) => Scan(block, 0, block.Count, scores);

    /// <summary>Scores rows [<paramref name="start"/>, +<paramref name="rows"/>) of <paramref name="block"/> into the first
    /// <paramref name="rows"/> of <paramref name="scores"/>: the same value per row whatever the range.</summary>
    public void Scan(in CoarseBlock block, int start, int rows, Span<float> scores)
    {
        if (_codes is null)
            DotKernel.OneVsMany(_vector.Span, block.Vectors.Span.Slice(start * _dims, rows * _dims), scores[..rows]);
        else
            QuantizedDotKernel.OneVsMany(_codes.AsSpan(0, _dims), _scale, block.Codes.Span.Slice(start * _dims, rows * _dims), block.Scales.Span.Slice(start, rows), scores[..rows]);
    }

    public void Dispose()
    {
        if (_codes is not null) ArrayPool<sbyte>.Shared.Return(_codes);
    }
}
