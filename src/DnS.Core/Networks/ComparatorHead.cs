using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;

namespace DnS.Core.Networks;

/// <summary>
/// The query-time tail shared by the fine students and the teacher: frame-to-frame matrix → (tiling of short
/// videos) → video comparator → hardtanh → video-to-video chamfer.
/// </summary>
internal static class ComparatorHead
{
    /// <summary>
    /// The reference data loader's tiling: a video shorter than the comparator's minimum is concatenated with itself
    /// until it has at least 4 frames (3 → 6, 1 → 2 → 4); frame k of the tiled video is frame k mod T.
    /// </summary>
    public static int TiledLength(int frames)
    {
        if (frames <= 0) throw new ArgumentException("a video needs at least one frame", nameof(frames));
        while (frames < VideoComparator.MinimumFrames) frames *= 2;
        return frames;
    }

    /// <summary>Video similarity from a rows×cols frame-to-frame matrix; without a comparator, the chamfer of the matrix itself.</summary>
    public static float Similarity(VideoComparator? comparator, ReadOnlySpan<float> f2f, int rows, int cols, bool symmetric)
    {
        if (comparator is null) return Chamfer(f2f, rows, cols, symmetric);

        int tiledRows = TiledLength(rows), tiledCols = TiledLength(cols);
        var (outRows, outCols) = VideoComparator.OutputShape(tiledRows, tiledCols);
        bool tile = tiledRows != rows || tiledCols != cols;
        float[] rented = ArrayPool<float>.Shared.Rent(outRows * outCols + (tile ? tiledRows * tiledCols : 0));
        try
        {
            var output = rented.AsSpan(0, outRows * outCols);
            var input = f2f;
            if (tile)
            {
                var tiled = rented.AsSpan(outRows * outCols, tiledRows * tiledCols);
                for (int i = 0; i < tiledRows; i++)
                    for (int j = 0; j < tiledCols; j++)
                        tiled[i * tiledCols + j] = f2f[(i % rows) * cols + j % cols];
                input = tiled;
            }
            comparator.Forward(input, tiledRows, tiledCols, output);
            HardTanh(output);
            return Chamfer(output, outRows, outCols, symmetric);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary><c>nn.Hardtanh</c>: clamp to [−1, 1] in place.</summary>
    public static void HardTanh(Span<float> values)
    {
        TensorPrimitives.Max(values, -1f, values);
        TensorPrimitives.Min(values, 1f, values);
    }

    private static float Chamfer(ReadOnlySpan<float> s, int rows, int cols, bool symmetric) =>
        symmetric ? VideoChamfer.Symmetric(s, rows, cols) : VideoChamfer.Similarity(s, rows, cols);
}
