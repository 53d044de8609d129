using DnS.Core.Kernels;

namespace DnS.Core.Storage;

/// <summary>The int8 coarse codes a store keeps (<see cref="StoreSchema.CoarseEncoding"/>), per <see cref="Int8Quantization"/>.</summary>
internal static class CoarseQuantizer
{
    /// <summary>The int8 codes and scales of the records' coarse vectors: the codes a record read from a segment carries
    /// (compaction), else its floats quantized (<see cref="Int8Quantization"/>).</summary>
    public static (float[] Scales, sbyte[] Codes) Quantize(int dims, IReadOnlyList<VideoRecord> records)
    {
        var scales = new float[records.Count];
        var codes = new sbyte[(long)records.Count * dims];
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            var destination = codes.AsSpan(i * dims, dims);
            if (r.CoarseCodes.Length == dims)
            {
                r.CoarseCodes.Span.CopyTo(destination);
                scales[i] = r.CoarseScale;
                continue;
            }
            scales[i] = Int8Quantization.Quantize(r.Coarse.Span, destination); // finite: checked by VideoRecord.Validate
        }
        return (scales, codes);
    }

    /// <summary>The float vector int8 codes stand for (code · scale), for a store that keeps no floats (<see cref="CoarseEncoding.Int8"/>).</summary>
    public static float[] Dequantize(ReadOnlySpan<sbyte> codes, float scale)
    {
        var vector = new float[codes.Length];
        Int8Quantization.Dequantize(codes, scale, vector);
        return vector;
    }
}
