namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="QuantizedDotKernel"/>: one exact int32 sum per row, then the two scales.</summary>
internal static class QuantizedDotScalar
{
    public static void OneVsMany(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, Span<float> scores, int rows)
    {
        int dims = query.Length;
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<sbyte> row = codes.Slice(n * dims, dims);
            int sum = 0;
            for (int k = 0; k < dims; k++)
            {
                sum += query[k] * row[k];
            }

            scores[n] = QuantizedDotKernel.Score(sum, scales[n], queryScale);
        }
    }
}
