namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="VideoChamfer"/>: NaN-propagating max, row maxima summed in row order.</summary>
internal static class VideoChamferScalar
{
    public static float Similarity(ReadOnlySpan<float> s, int rows, int cols)
    {
        float sum = 0f;
        for (int i = 0; i < rows; i++)
        {
            float best = float.NegativeInfinity;
            for (int j = 0; j < cols; j++)
            {
                best = MathF.Max(best, s[(i * cols) + j]);
            }

            sum += best;
        }

        return sum / rows;
    }

    public static float ColumnSimilarity(ReadOnlySpan<float> s, int rows, int cols)
    {
        float sum = 0f;
        for (int j = 0; j < cols; j++)
        {
            float best = float.NegativeInfinity;
            for (int i = 0; i < rows; i++)
            {
                best = MathF.Max(best, s[(i * cols) + j]);
            }

            sum += best;
        }

        return sum / cols;
    }
}
