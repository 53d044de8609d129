namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="VideoChamfer"/>: NaN-propagating max, maxima summed in order.</summary>
internal static class VideoChamferScalar
{
    /// <summary>Mean over rows of the max over columns.</summary>
    public static float Similarity(ReadOnlySpan<float> s, int rows, int cols) => MeanOfMaxima(s, rows, cols, cols, 1);

    /// <summary>Mean over columns of the max over rows.</summary>
    public static float ColumnSimilarity(ReadOnlySpan<float> s, int rows, int cols) => MeanOfMaxima(s, cols, rows, 1, cols);

    // One loop for both directions: `outer` lines of `inner` elements, walked with the given strides.
    private static float MeanOfMaxima(ReadOnlySpan<float> s, int outer, int inner, int outerStride, int innerStride)
    {
        float sum = 0f;
        for (int o = 0; o < outer; o++)
        {
            float best = float.NegativeInfinity;
            for (int i = 0; i < inner; i++)
            {
                best = MathF.Max(best, s[(o * outerStride) + (i * innerStride)]);
            }

            sum += best;
        }

        return sum / outer;
    }
}
