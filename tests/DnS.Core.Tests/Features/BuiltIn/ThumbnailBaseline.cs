using DnS.Core.Features;

namespace DnS.Core.Tests.Features.BuiltIn;

/// <summary>
/// The naive peer the built-in encoder must beat: the whole frame's luminance shrunk to 16×16,
/// mean-removed and L2-normalized (one region per frame).
/// </summary>
internal static class ThumbnailBaseline
{
    private const int Cells = 16;

    public const int Dimensions = Cells * Cells;

    public static void Encode(FrameBatch batch, Span<float> features)
    {
        int h = batch.Height, w = batch.Width, plane = h * w;
        ReadOnlySpan<float> pixels = batch.Pixels.Span;
        for (int n = 0; n < batch.Count; n++)
        {
            Span<float> cells = features.Slice(n * Dimensions, Dimensions);
            for (int i = 0; i < Cells; i++)
                for (int j = 0; j < Cells; j++)
                {
                    float sum = 0f;
                    int count = 0;
                    for (int y = i * h / Cells; y < (i + 1) * h / Cells; y++)
                        for (int x = j * w / Cells; x < (j + 1) * w / Cells; x++, count++)
                            for (int c = 0; c < 3; c++)
                                sum += pixels[(n * 3 + c) * plane + y * w + x];
                    cells[i * Cells + j] = sum / count;
                }

            float mean = 0f;
            foreach (float v in cells)
                mean += v / Dimensions;
            float norm = 0f;
            for (int k = 0; k < Dimensions; k++)
            {
                cells[k] -= mean;
                norm += cells[k] * cells[k];
            }

            norm = MathF.Sqrt(norm);
            if (norm > 0f)
                for (int k = 0; k < Dimensions; k++)
                    cells[k] /= norm;
        }
    }
}
