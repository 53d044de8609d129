using System.Buffers;
using System.Numerics.Tensors;

namespace DnS.Core.Features.BuiltIn;

/// <summary>
/// Training-free region features that need nothing downloaded: for each cell of a 3×3 grid a
/// 128-d descriptor of color (joint histogram, moments and their 2×2 layout), gradient orientations
/// and low-frequency DCT of the luminance. Each block is power-normalized (signed square root) and
/// L2-normalized, the concatenation L2-normalized, so regions compare by dot product exactly like
/// L3-iMAC region vectors and the output has the same T×R×D layout.
/// </summary>
public sealed class BuiltInFrameEncoder
{
    /// <summary>Regions per frame (3×3 grid), row-major from the top-left.</summary>
    public const int Regions = 9;

    /// <summary>Floats per region descriptor.</summary>
    public const int Dimensions = 128;

    private const int Grid = 3;
    private const int HistogramLevels = 4;
    private const int OrientationBins = 8;
    private const int DctSize = 8;

    // Block offsets inside one region descriptor: 64 + 18 + 32 + 14 = 128.
    private const int HistogramOffset = 0;
    private const int HistogramLength = HistogramLevels * HistogramLevels * HistogramLevels;
    private const int LayoutOffset = HistogramOffset + HistogramLength;
    private const int LayoutLength = 6 + 4 * 3;
    private const int GradientOffset = LayoutOffset + LayoutLength;
    private const int GradientLength = 4 * OrientationBins;
    private const int DctOffset = GradientOffset + GradientLength;
    private const int DctLength = 14;

    // Far below one gray level's contribution (1/255 ≈ 4e-3 per coefficient), far above float rounding.
    private const float EmptyBlockEnergy = 1e-10f;

    /// <summary>Smallest frame side: each region needs 2×2 sub-cells of at least 2 pixels.</summary>
    public const int MinimumSide = Grid * 4;

    // ImageNet normalization that FrameBatch carries; undone to get RGB in [0, 1].
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    // Orthonormal DCT-II basis, Cosines[u * 8 + i] = α(u) cos((2i + 1) u π / 16).
    private static readonly float[] Cosines = CreateDctBasis();

    // Orientation bin boundaries k·π/8 (k = 1..7) as (cos, sin): comparing against them replaces atan2.
    private static readonly float[] BoundaryCos = CreateBoundaries(Math.Cos);
    private static readonly float[] BoundarySin = CreateBoundaries(Math.Sin);

    /// <summary>The descriptor's blocks (name, first float, length), for ablations.</summary>
    internal static IReadOnlyList<(string Name, int Offset, int Length)> Blocks { get; } =
    [
        ("color histogram", HistogramOffset, HistogramLength),
        ("color moments + 2x2 layout", LayoutOffset, LayoutLength),
        ("gradient orientations 2x2x8", GradientOffset, GradientLength),
        ("low-frequency DCT", DctOffset, DctLength),
    ];

    /// <summary>
    /// Encodes a batch into <paramref name="features"/>, laid out [N, <see cref="Regions"/>, <see cref="Dimensions"/>].
    /// </summary>
    /// <param name="batch">Preprocessed frames (ImageNet-normalized NCHW RGB).</param>
    /// <param name="features">Destination of exactly N·9·128 floats.</param>
    /// <exception cref="ArgumentException">The batch is too small or short, or the destination has the wrong length.</exception>
    public void Encode(FrameBatch batch, Span<float> features)
    {
        if (batch.Count <= 0 || batch.Height < MinimumSide || batch.Width < MinimumSide)
            throw new ArgumentException(
                $"Frame batch shape [{batch.Count}, 3, {batch.Height}, {batch.Width}] needs at least one frame of {MinimumSide}×{MinimumSide}.",
                nameof(batch));
        int plane = batch.Height * batch.Width;
        if (batch.Pixels.Length < (long)batch.Count * 3 * plane)
            throw new ArgumentException(
                $"Frame batch holds {batch.Pixels.Length} floats but shape [{batch.Count}, 3, {batch.Height}, {batch.Width}] needs {(long)batch.Count * 3 * plane}.",
                nameof(batch));
        if (features.Length != batch.Count * Regions * Dimensions)
            throw new ArgumentException(
                $"Feature destination has {features.Length} floats; [{batch.Count}, {Regions}, {Dimensions}] needs {batch.Count * Regions * Dimensions}.",
                nameof(features));

        Span<PixelRect> grid = stackalloc PixelRect[Regions];
        for (int r = 0; r < Regions; r++)
            grid[r] = new PixelRect(
                r / Grid * batch.Height / Grid, (r / Grid + 1) * batch.Height / Grid,
                r % Grid * batch.Width / Grid, (r % Grid + 1) * batch.Width / Grid);
        EncodeWindows(batch, grid, features);
    }

    /// <summary>
    /// Encodes each rectangle of <paramref name="windows"/> of every frame with the region descriptor into
    /// <paramref name="features"/>, laid out [N, windows, <see cref="Dimensions"/>]. The caller checks the shapes;
    /// every window must lie inside the frame and be at least <see cref="MinimumSide"/> / 3 pixels on each side.
    /// </summary>
    internal static void EncodeWindows(FrameBatch batch, ReadOnlySpan<PixelRect> windows, Span<float> features)
    {
        int plane = batch.Height * batch.Width;
        float[] rented = ArrayPool<float>.Shared.Rent(4 * plane);
        try
        {
            Span<float> rgb = rented.AsSpan(0, 3 * plane);
            Span<float> luma = rented.AsSpan(3 * plane, plane);
            ReadOnlySpan<float> pixels = batch.Pixels.Span;
            for (int n = 0; n < batch.Count; n++)
            {
                Denormalize(pixels.Slice(n * 3 * plane, 3 * plane), rgb, luma);
                for (int w = 0; w < windows.Length; w++)
                    EncodeRegion(rgb, luma, batch.Height, batch.Width, windows[w],
                        features.Slice((n * windows.Length + w) * Dimensions, Dimensions));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void EncodeRegion(ReadOnlySpan<float> rgb, ReadOnlySpan<float> luma, int height, int width, PixelRect region,
        Span<float> descriptor)
    {
        descriptor.Clear();
        ColorHistogram(rgb, height * width, width, region, descriptor.Slice(HistogramOffset, HistogramLength));
        ColorLayout(rgb, height * width, width, region, descriptor.Slice(LayoutOffset, LayoutLength));
        GradientHistograms(luma, height, width, region, descriptor.Slice(GradientOffset, GradientLength));
        LowFrequencyDct(luma, width, region, descriptor.Slice(DctOffset, DctLength));
        // Blocks are unit-length, so this weights them equally.
        L2Normalize(descriptor);
    }

    private static void Denormalize(ReadOnlySpan<float> normalized, Span<float> rgb, Span<float> luma)
    {
        int plane = luma.Length;
        for (int c = 0; c < 3; c++)
        {
            float scale = Std[c], offset = Mean[c];
            ReadOnlySpan<float> source = normalized.Slice(c * plane, plane);
            Span<float> target = rgb.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
                target[i] = Math.Clamp(source[i] * scale + offset, 0f, 1f);
        }

        for (int i = 0; i < plane; i++)
            luma[i] = 0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i];
    }

    private static void ColorHistogram(ReadOnlySpan<float> rgb, int plane, int width, PixelRect region, Span<float> block)
    {
        for (int y = region.Top; y < region.Bottom; y++)
            for (int x = region.Left; x < region.Right; x++)
            {
                int i = y * width + x;
                int bin = (Level(rgb[i]) * HistogramLevels + Level(rgb[plane + i])) * HistogramLevels + Level(rgb[2 * plane + i]);
                block[bin] += 1f;
            }

        PowerNormalize(block);
    }

    private static int Level(float value) => Math.Min((int)(value * HistogramLevels), HistogramLevels - 1);

    // Region mean and std per channel (6), then each 2×2 sub-cell's mean minus the region mean (12).
    private static void ColorLayout(ReadOnlySpan<float> rgb, int plane, int width, PixelRect region, Span<float> block)
    {
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> channel = rgb.Slice(c * plane, plane);
            double sum = 0, squares = 0;
            for (int y = region.Top; y < region.Bottom; y++)
                for (int x = region.Left; x < region.Right; x++)
                {
                    float v = channel[y * width + x];
                    sum += v;
                    squares += v * v;
                }

            double mean = sum / region.Area;
            block[c] = (float)mean;
            block[3 + c] = (float)Math.Sqrt(Math.Max(squares / region.Area - mean * mean, 0));
            for (int cell = 0; cell < 4; cell++)
            {
                PixelRect sub = region.SubCell(cell);
                double cellSum = 0;
                for (int y = sub.Top; y < sub.Bottom; y++)
                    for (int x = sub.Left; x < sub.Right; x++)
                        cellSum += channel[y * width + x];
                block[6 + cell * 3 + c] = (float)(cellSum / sub.Area - mean);
            }
        }

        PowerNormalize(block);
    }

    // Unsigned orientations (0..π): contrast inversions of an edge land in the same bin.
    private static void GradientHistograms(ReadOnlySpan<float> luma, int height, int width, PixelRect region, Span<float> block)
    {
        for (int cell = 0; cell < 4; cell++)
        {
            PixelRect sub = region.SubCell(cell);
            Span<float> bins = block.Slice(cell * OrientationBins, OrientationBins);
            for (int y = sub.Top; y < sub.Bottom; y++)
            {
                int up = Math.Max(y - 1, 0) * width, down = Math.Min(y + 1, height - 1) * width, row = y * width;
                for (int x = sub.Left; x < sub.Right; x++)
                {
                    float gx = luma[row + Math.Min(x + 1, width - 1)] - luma[row + Math.Max(x - 1, 0)];
                    float gy = luma[down + x] - luma[up + x];
                    float magnitude = MathF.Sqrt(gx * gx + gy * gy);
                    if (magnitude == 0f)
                        continue;
                    // Fold into the upper half-plane; there angle ≥ φ exactly when gy·cos φ − gx·sin φ ≥ 0.
                    if (gy < 0f || (gy == 0f && gx < 0f))
                    {
                        gx = -gx;
                        gy = -gy;
                    }

                    int bin = 0;
                    for (int k = 0; k < BoundaryCos.Length; k++)
                        if (gy * BoundaryCos[k] - gx * BoundarySin[k] >= 0f)
                            bin++;
                    bins[bin] += magnitude;
                }
            }
        }

        PowerNormalize(block);
    }

    // Area-average the region's luminance onto 8×8, take the DCT-II coefficients with 1 ≤ u + v ≤ 4
    // (the DC term only repeats the mean brightness the color blocks already carry).
    private static void LowFrequencyDct(ReadOnlySpan<float> luma, int width, PixelRect region, Span<float> block)
    {
        Span<float> grid = stackalloc float[DctSize * DctSize];
        for (int i = 0; i < DctSize; i++)
        {
            int top = region.Top + i * region.Height / DctSize, bottom = region.Top + (i + 1) * region.Height / DctSize;
            for (int j = 0; j < DctSize; j++)
            {
                int left = region.Left + j * region.Width / DctSize, right = region.Left + (j + 1) * region.Width / DctSize;
                float sum = 0f;
                for (int y = top; y < bottom; y++)
                    for (int x = left; x < right; x++)
                        sum += luma[y * width + x];
                int area = (bottom - top) * (right - left);
                grid[i * DctSize + j] = area > 0 ? sum / area : 0f;
            }
        }

        int k = 0;
        for (int order = 1; order <= 4; order++)
            for (int u = 0; u <= order; u++)
            {
                int v = order - u;
                float coefficient = 0f;
                for (int i = 0; i < DctSize; i++)
                {
                    float rowBasis = Cosines[u * DctSize + i];
                    for (int j = 0; j < DctSize; j++)
                        coefficient += grid[i * DctSize + j] * rowBasis * Cosines[v * DctSize + j];
                }

                block[k++] = coefficient;
            }

        PowerNormalize(block);
    }

    // Signed square root (Hellinger-style power normalization), then unit L2 norm. A block with no
    // content (e.g. the DCT of a flat region, only rounding noise) stays zero instead of being blown up to unit length.
    private static void PowerNormalize(Span<float> block)
    {
        if (TensorPrimitives.SumOfSquares<float>(block) < EmptyBlockEnergy)
        {
            block.Clear();
            return;
        }

        for (int i = 0; i < block.Length; i++)
            block[i] = MathF.CopySign(MathF.Sqrt(MathF.Abs(block[i])), block[i]);
        L2Normalize(block);
    }

    private static void L2Normalize(Span<float> values)
    {
        float norm = MathF.Sqrt(TensorPrimitives.SumOfSquares<float>(values));
        if (norm > 0f)
            TensorPrimitives.Divide(values, norm, values);
    }

    private static float[] CreateBoundaries(Func<double, double> trig)
    {
        var values = new float[OrientationBins - 1];
        for (int k = 1; k < OrientationBins; k++)
            values[k - 1] = (float)trig(k * Math.PI / OrientationBins);
        return values;
    }

    private static float[] CreateDctBasis()
    {
        var basis = new float[DctSize * DctSize];
        for (int u = 0; u < DctSize; u++)
        {
            double alpha = u == 0 ? Math.Sqrt(1.0 / DctSize) : Math.Sqrt(2.0 / DctSize);
            for (int i = 0; i < DctSize; i++)
                basis[u * DctSize + i] = (float)(alpha * Math.Cos((2 * i + 1) * u * Math.PI / (2 * DctSize)));
        }

        return basis;
    }
}
