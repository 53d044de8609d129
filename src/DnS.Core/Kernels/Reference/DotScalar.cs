namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="DotKernel"/>: one sequential float accumulator per dot product.</summary>
internal static class DotScalar
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0f;
        for (int k = 0; k < a.Length; k++)
        {
            sum += a[k] * b[k];
        }

        return sum;
    }

    public static void OneVsMany(ReadOnlySpan<float> query, ReadOnlySpan<float> matrix, Span<float> scores, int rows)
    {
        int dims = query.Length;
        for (int n = 0; n < rows; n++)
        {
            scores[n] = Dot(query, matrix.Slice(n * dims, dims));
        }
    }
}
