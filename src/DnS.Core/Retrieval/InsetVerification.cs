using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.BuiltIn;
using DnS.Core.Features.Extraction;

namespace DnS.Core.Retrieval;

/// <summary>
/// A pixel check of a picture-in-picture match, independent of the descriptors that proposed it: at the window positions
/// and time offsets where <see cref="InsetSimilarity"/> finds <c>video</c> best inside <c>container</c> (the best three of
/// each window scale), the video's frames shrunk to the window are correlated with the container's pixels there
/// (normalized cross-correlation of band-passed luma, best position within half a window step, frames in step ±1),
/// averaged over the video's frames; the score is the best window's. A real inset shows the same pixels and correlates near 1; footage that merely has similar
/// colors and textures in a window (what the descriptors cannot tell apart) correlates near 0.
/// </summary>
/// <remarks>
/// Band-pass (3×3 minus 7×7 box means) removes what any two smooth images share (brightness, gradients) and keeps the
/// edges that identify the footage. Inputs: <see cref="InsetFeatureExtractor"/> features and
/// <see cref="InsetThumbnailExtractor"/> thumbnails of the same frames. Cost: one <see cref="InsetSimilarity.Inside"/>
/// plus ≈ 10⁹ multiply-adds for a pair of 20-frame videos.
/// </remarks>
public static class InsetVerification
{
    private const int Side = InsetThumbnailExtractor.Side;
    private const int Plane = Side * Side;
    private static readonly PixelRect[] Windows = InsetFeatureExtractor.CreateWindows(Side);

    /// <summary>Window positions checked per scale, best descriptor match first: a small inset's descriptor match is often
    /// not the best position of its scale.</summary>
    internal const int WindowsPerScale = 3;

    /// <summary>How well the pixels of <paramref name="video"/> appear shrunk inside <paramref name="container"/>, in [−1, 1].</summary>
    /// <param name="video">The video's <see cref="InsetFeatureExtractor"/> features.</param>
    /// <param name="container">The container's <see cref="InsetFeatureExtractor"/> features.</param>
    /// <param name="videoThumbnails">The video's <see cref="InsetThumbnailExtractor"/> thumbnails (same frames as <paramref name="video"/>).</param>
    /// <param name="containerThumbnails">The container's thumbnails (same frames as <paramref name="container"/>).</param>
    /// <exception cref="ArgumentException">The features or thumbnails do not have those layouts, or their frame counts differ.</exception>
    public static float Score(RegionFeatures video, RegionFeatures container, RegionFeatures videoThumbnails, RegionFeatures containerThumbnails)
    {
        CheckThumbnails(videoThumbnails, video, nameof(videoThumbnails));
        CheckThumbnails(containerThumbnails, container, nameof(containerThumbnails));
        var best = InsetSimilarity.BestWindows(video, container, WindowsPerScale);

        int frames = containerThumbnails.Frames;
        var filtered = FilteredFrames.Rent(Side, frames);
        var halfFiltered = FilteredFrames.Rent(Side / 2, frames);
        // The video's frames prepared once per scale (full and half resolution): every window of a scale searches with the same probes.
        var probes = new (Probe Full, Probe Half)?[InsetFeatureExtractor.Scales.Count];
        try
        {
            for (int t = 0; t < frames; t++)
            {
                filtered.Fill(t, containerThumbnails.Values.AsSpan(t * Plane, Plane));
                halfFiltered.FillHalf(t, filtered);
            }
            float score = -1;
            foreach (var (scale, window, offset) in best)
            {
                var (probe, halfProbe) = probes[scale] ??= Probe.Prepare(videoThumbnails, InsetFeatureExtractor.Scales[scale]);
                score = Math.Max(score, Search(probe, halfProbe, filtered, halfFiltered, Windows[window], offset));
            }
            return score;
        }
        finally
        {
            filtered.Return();
            halfFiltered.Return();
            foreach (var pair in probes)
                if (pair is { } rented)
                {
                    ArrayPool<float>.Shared.Return(rented.Full.Values);
                    ArrayPool<float>.Shared.Return(rented.Half.Values);
                }
        }
    }

    /// <summary>Whether <paramref name="thumbnails"/> are <see cref="InsetThumbnailExtractor"/> thumbnails of the frames of <paramref name="features"/>.</summary>
    internal static bool Fits(RegionFeatures thumbnails, RegionFeatures features) =>
        thumbnails.Regions == 1 && thumbnails.Dimensions == Plane && thumbnails.Frames == features.Frames;

    private static void CheckThumbnails(RegionFeatures thumbnails, RegionFeatures features, string name)
    {
        ArgumentNullException.ThrowIfNull(thumbnails, name);
        ArgumentNullException.ThrowIfNull(features);
        if (!Fits(thumbnails, features))
            throw new ArgumentException($"inset thumbnails must be one {Side}×{Side} image per frame of the inset features ({features.Frames}); got {thumbnails.Frames}×{thumbnails.Regions}×{thumbnails.Dimensions}", name);
    }

    /// <summary>
    /// The best position near <paramref name="window"/> (within half a window step): every even position correlated at half
    /// resolution (2×2 means of the band-passed pixels: a quarter of the work), the best refined to the pixel at full
    /// resolution; returns the mean over the video's frames of the full-resolution correlation there (frames in step ±1).
    /// </summary>
    private static float Search(Probe probe, Probe halfProbe, FilteredFrames container, FilteredFrames halfContainer, PixelRect window, int offset)
    {
        int size = probe.Size + 2 * probe.Margin, reach = size / 4;
        int top = Math.Max(0, window.Top - reach), bottom = Math.Min(Side - size, window.Top + reach);
        int left = Math.Max(0, window.Left - reach), right = Math.Min(Side - size, window.Left + reach);
        (double Score, int Y, int X) coarse = (double.NegativeInfinity, window.Top, window.Left);
        for (int y = (top + 1) / 2; 2 * y <= bottom; y++)
            for (int x = (left + 1) / 2; 2 * x <= right; x++)
            {
                double score = Correlate(halfProbe, halfContainer, y, x, offset, slack: 1);
                if (score > coarse.Score) coarse = (score, 2 * y, 2 * x);
            }

        double best = double.NegativeInfinity;
        for (int y = Math.Max(top, coarse.Y - 1); y <= Math.Min(bottom, coarse.Y + 1); y++)
            for (int x = Math.Max(left, coarse.X - 1); x <= Math.Min(right, coarse.X + 1); x++)
                best = Math.Max(best, Correlate(probe, container, y, x, offset, slack: 1));
        return (float)best;
    }

    /// <summary>Mean over the video's frames i of the best correlation with the container's frames i + offset ± slack at (y, x); a frame with no partner counts 0.</summary>
    private static double Correlate(Probe probe, FilteredFrames container, int y, int x, int offset, int slack)
    {
        double total = 0;
        for (int i = 0; i < probe.Frames; i++)
        {
            int first = Math.Max(0, i + offset - slack), last = Math.Min(container.Frames - 1, i + offset + slack);
            double match = double.NegativeInfinity;
            for (int j = first; j <= last; j++)
                match = Math.Max(match, container.Correlation(j, probe.Frame(i), probe.Size, y + probe.Margin, x + probe.Margin));
            if (first <= last) total += match;
        }
        return total / probe.Frames;
    }

    /// <summary>
    /// One frame shrunk by box averages of <paramref name="scale"/>², band-passed, cut to its interior (without
    /// <paramref name="margin"/> pixels on each side: the edge an overlay draws around any inset says nothing about what it
    /// shows), centered and scaled to unit norm (zero when flat).
    /// </summary>
    private static void Prepare(ReadOnlySpan<float> frame, int scale, int margin, Span<float> destination)
    {
        int size = Side / scale, inner = size - 2 * margin;
        float weight = 1f / (scale * scale);
        float[] buffer = ArrayPool<float>.Shared.Rent(2 * size * size);
        try
        {
            Span<float> small = buffer.AsSpan(0, size * size), filtered = buffer.AsSpan(size * size, size * size);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    float sum = 0;
                    for (int dy = 0; dy < scale; dy++)
                        sum += TensorPrimitives.Sum(frame.Slice((y * scale + dy) * Side + x * scale, scale));
                    small[y * size + x] = sum * weight;
                }
            BandPass(small, size, filtered);
            for (int y = 0; y < inner; y++)
                filtered.Slice((y + margin) * size + margin, inner).CopyTo(destination.Slice(y * inner, inner));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
        CenterAndNormalize(destination);
    }

    /// <summary>Subtracts the mean and scales to unit norm (zero when flat).</summary>
    private static void CenterAndNormalize(Span<float> values)
    {
        float mean = TensorPrimitives.Sum(values) / values.Length;
        TensorPrimitives.Subtract(values, mean, values);
        float norm = TensorPrimitives.Norm(values);
        if (norm > 1e-6f) TensorPrimitives.Divide(values, norm, values);
        else values.Clear();
    }

    /// <summary>2×2 means of a size×size image (size even) into a (size/2)² one.</summary>
    private static void Halve(ReadOnlySpan<float> image, int size, Span<float> destination)
    {
        int half = size / 2;
        for (int y = 0; y < half; y++)
            for (int x = 0; x < half; x++)
            {
                int at = 2 * y * size + 2 * x;
                destination[y * half + x] = 0.25f * (image[at] + image[at + 1] + image[at + size] + image[at + size + 1]);
            }
    }

    /// <summary>destination = 3×3 box mean − 7×7 box mean of a size×size image (means over the part inside the image).</summary>
    internal static void BandPass(ReadOnlySpan<float> image, int size, Span<float> destination)
    {
        int stride = size + 1;
        double[] integral = ArrayPool<double>.Shared.Rent(stride * stride);
        try
        {
            Integrate(image, size, integral, null);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    destination[y * size + x] = (float)(BoxMean(integral, size, y, x, 1) - BoxMean(integral, size, y, x, 3));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(integral);
        }
    }

    private static double BoxMean(double[] integral, int size, int y, int x, int radius)
    {
        int y0 = Math.Max(0, y - radius), y1 = Math.Min(size, y + radius + 1), x0 = Math.Max(0, x - radius), x1 = Math.Min(size, x + radius + 1);
        return RectSum(integral, size + 1, y0, y1, x0, x1) / ((y1 - y0) * (x1 - x0));
    }

    /// <summary>The sum over rows [y0, y1) and columns [x0, x1) from the summed-area table starting at <paramref name="at"/>.</summary>
    private static double RectSum(double[] table, int stride, int y0, int y1, int x0, int x1, int at = 0) =>
        table[at + y1 * stride + x1] - table[at + y0 * stride + x1] - table[at + y1 * stride + x0] + table[at + y0 * stride + x0];

    /// <summary>Summed-area tables of an image (and of its squares when <paramref name="squares"/> is given), (size + 1)² each.</summary>
    private static void Integrate(ReadOnlySpan<float> image, int size, Span<double> sums, Span<double> squares)
    {
        int stride = size + 1;
        sums[..stride].Clear();
        if (!squares.IsEmpty) squares[..stride].Clear();
        for (int y = 0; y < size; y++)
        {
            double row = 0, rowSquares = 0;
            sums[(y + 1) * stride] = 0;
            if (!squares.IsEmpty) squares[(y + 1) * stride] = 0;
            for (int x = 0; x < size; x++)
            {
                double v = image[y * size + x];
                row += v;
                sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
                if (!squares.IsEmpty)
                {
                    rowSquares += v * v;
                    squares[(y + 1) * stride + x + 1] = squares[y * stride + x + 1] + rowSquares;
                }
            }
        }
    }

    /// <summary>The video's prepared frames at one scale: Size² interiors of windows with Margin pixels cut on each side
    /// (Values is rented from the shared pool).</summary>
    private readonly record struct Probe(float[] Values, int Frames, int Size, int Margin)
    {
        public ReadOnlySpan<float> Frame(int i) => Values.AsSpan(i * Size * Size, Size * Size);

        /// <summary>Every frame of <paramref name="video"/> prepared for windows of 1/<paramref name="scale"/> of the side, and
        /// the same at half resolution (2×2 means of each prepared frame, centered and scaled to unit norm again; interiors and
        /// margins are even, so the half-resolution probe at an even position covers the same pixels).</summary>
        public static (Probe Full, Probe Half) Prepare(RegionFeatures video, int scale)
        {
            int size = Side / scale, margin = size / 8, inner = size - 2 * margin, half = inner / 2;
            float[] values = ArrayPool<float>.Shared.Rent(video.Frames * inner * inner);
            float[] halves = ArrayPool<float>.Shared.Rent(video.Frames * half * half);
            for (int i = 0; i < video.Frames; i++)
            {
                var frame = values.AsSpan(i * inner * inner, inner * inner);
                InsetVerification.Prepare(video.Values.AsSpan(i * Plane, Plane), scale, margin, frame);
                var small = halves.AsSpan(i * half * half, half * half);
                Halve(frame, inner, small);
                CenterAndNormalize(small);
            }
            return (new Probe(values, video.Frames, inner, margin), new Probe(halves, video.Frames, half, margin / 2));
        }
    }

    /// <summary>The container's band-passed frames (Side² each, at full or half resolution) with summed-area tables of their
    /// values and squares; the arrays are rented from the shared pool.</summary>
    private readonly record struct FilteredFrames(float[] Values, double[] Sums, double[] Squares, int Frames, int Side)
    {
        private int Stride => Side + 1;

        private int FramePlane => Side * Side;

        public static FilteredFrames Rent(int side, int frames) => new(
            ArrayPool<float>.Shared.Rent(frames * side * side),
            ArrayPool<double>.Shared.Rent(frames * (side + 1) * (side + 1)),
            ArrayPool<double>.Shared.Rent(frames * (side + 1) * (side + 1)), frames, side);

        public void Return()
        {
            ArrayPool<float>.Shared.Return(Values);
            ArrayPool<double>.Shared.Return(Sums);
            ArrayPool<double>.Shared.Return(Squares);
        }

        /// <summary>Frame t band-passed from its luma (full resolution).</summary>
        public void Fill(int t, ReadOnlySpan<float> luma)
        {
            BandPass(luma, Side, Values.AsSpan(t * FramePlane, FramePlane));
            Integrate(t);
        }

        /// <summary>Frame t as the 2×2 means of the full-resolution frame t of <paramref name="full"/>.</summary>
        public void FillHalf(int t, FilteredFrames full)
        {
            Halve(full.Values.AsSpan(t * full.FramePlane, full.FramePlane), full.Side, Values.AsSpan(t * FramePlane, FramePlane));
            Integrate(t);
        }

        private void Integrate(int t) =>
            InsetVerification.Integrate(Values.AsSpan(t * FramePlane, FramePlane), Side, Sums.AsSpan(t * Stride * Stride, Stride * Stride), Squares.AsSpan(t * Stride * Stride, Stride * Stride));

        /// <summary>Normalized cross-correlation of a centered unit-norm probe with the size² patch of frame t at (y, x).</summary>
        public double Correlation(int t, ReadOnlySpan<float> probe, int size, int y, int x)
        {
            int at = t * Stride * Stride, n = size * size;
            double sum = RectSum(Sums, Stride, y, y + size, x, x + size, at), squares = RectSum(Squares, Stride, y, y + size, x, x + size, at);
            double variance = squares - sum * sum / n;
            if (variance <= 1e-9) return 0;
            // The probe sums to zero, so its dot product with the patch equals that with the centered patch.
            ReadOnlySpan<float> frame = Values.AsSpan(t * FramePlane, FramePlane);
            double dot = 0;
            for (int r = 0; r < size; r++)
                dot += TensorPrimitives.Dot(probe.Slice(r * size, size), frame.Slice((y + r) * Side + x, size));
            return dot / Math.Sqrt(variance);
        }
    }
}
