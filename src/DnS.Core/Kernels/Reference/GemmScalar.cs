namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="Gemm"/>: C = A·Bᵀ by row-by-row dot products.</summary>
internal static class GemmScalar
{
    public static void MultiplyTransposed(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> row = a.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                c[(i * n) + j] = DotScalar.Dot(row, b.Slice(j * k, k));
            }
        }
    }
}
