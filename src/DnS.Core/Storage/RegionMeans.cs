using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Features;
using DnS.Core.Kernels;

namespace DnS.Core.Storage;

/// <summary>
/// A video's region means: per region, the unit-length mean over its frames of that region's fine vectors (binary
/// codes count as ±1 per bit). Region picks compare them with a query's mean descriptor; an index whose schema has
/// <see cref="StoreSchema.RegionMeans"/> keeps them as int8 codes, one scale per region (<see cref="Int8Quantization"/>).
/// </summary>
internal static class RegionMeans
{
    /// <summary>Per region, the sum over frames of its fine vectors: R × D, row-major.</summary>
    public static float[] Sums(VideoRecord record, StoreSchema schema)
    {
        int d = schema.FineDimensions, regions = schema.Regions;
        var sums = new float[regions * d];
        if (schema.FineKind == FineFeatureKind.Float)
        {
            var fine = record.FineFloats.Span;
            for (int t = 0; t < record.Frames; t++)
                for (int r = 0; r < regions; r++)
                    TensorPrimitives.Add(sums.AsSpan(r * d, d), fine.Slice((t * regions + r) * d, d), sums.AsSpan(r * d, d));
            return sums;
        }
        // Bits as ±1, eight dimensions per byte from a table of the 256 patterns.
        var bytes = MemoryMarshal.AsBytes(record.FineCodes.Span);
        int bytesPerCode = (d + 63) / 64 * 8, fullBytes = d / 8;
        var patterns = BytePatterns.Value;
        for (int t = 0; t < record.Frames; t++)
            for (int r = 0; r < regions; r++)
            {
                var code = bytes.Slice((t * regions + r) * bytesPerCode, bytesPerCode);
                var sum = sums.AsSpan(r * d, d);
                for (int j = 0; j < fullBytes; j++)
                {
                    var target = sum.Slice(j * 8, 8);
                    (Vector256.Create<float>(target) + Vector256.Create<float>(patterns.AsSpan(code[j] * 8, 8))).CopyTo(target);
                }
                for (int i = fullBytes * 8; i < d; i++) sum[i] += ((code[i >> 3] >> (i & 7)) & 1) != 0 ? 1f : -1f;
            }
        return sums;
    }

    /// <summary>The unit region means of <paramref name="record"/>: R × D, row-major (a region with no frames stays zero).</summary>
    public static float[] Compute(VideoRecord record, StoreSchema schema)
    {
        var means = Sums(record, schema);
        int d = schema.FineDimensions;
        for (int r = 0; r < schema.Regions; r++) L2Normalization.Normalize(means.AsSpan(r * d, d));
        return means;
    }

    /// <summary>Quantizes the region means of <paramref name="record"/> into R × D <paramref name="codes"/> and R
    /// <paramref name="scales"/>, as a segment keeps them (a mean that is not finite is stored as zeros).</summary>
    public static void Quantize(VideoRecord record, StoreSchema schema, Span<sbyte> codes, Span<float> scales)
    {
        var means = Compute(record, schema);
        int d = schema.FineDimensions;
        for (int r = 0; r < schema.Regions; r++)
        {
            var mean = means.AsSpan(r * d, d);
            if (float.IsFinite(TensorPrimitives.MaxMagnitude(mean))) scales[r] = Int8Quantization.Quantize(mean, codes.Slice(r * d, d));
            else { codes.Slice(r * d, d).Clear(); scales[r] = 0; }
        }
    }

    // Bit b of byte v (little-endian within a code word, as HammingKernel packs) as ±1 at [v·8 + b].
    private static readonly Lazy<float[]> BytePatterns = new(() =>
    {
        var patterns = new float[256 * 8];
        for (int v = 0; v < 256; v++)
            for (int b = 0; b < 8; b++) patterns[v * 8 + b] = ((v >> b) & 1) != 0 ? 1f : -1f;
        return patterns;
    });
}
