using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The video comparator CNN (reference <c>VideoComperator</c>) over a Tq×Tt frame-to-frame similarity matrix:
/// pad 1, conv 3×3 (1→32), ReLU, max-pool 2×2/2; pad 1, conv 3×3 (32→64), ReLU, max-pool 2×2/2; pad 1,
/// conv 3×3 (64→128), ReLU; conv 1×1 (128→1). The output is ⌊⌊Tq/2⌋/2⌋ × ⌊⌊Tt/2⌋/2⌋ raw scores (no hardtanh).
/// Weights: <c>{prefix}conv1/conv2/conv3/fconv.weight</c> and <c>.bias</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Each convolution is an im2col on channels-last activations, in bands of rows, followed by <see cref="Gemm.MultiplyTransposed(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int)"/>.
/// Max-pooling runs before the bias and ReLU: a per-channel bias and ReLU are monotone, so
/// <c>relu(max(a) + b) = max(relu(a + b))</c> exactly, and pooling first touches a quarter of the values.
/// </remarks>
public sealed class VideoComparator
{
    /// <summary>The smallest frame count on each axis: two 2×2 poolings of fewer than 4 frames leave nothing.</summary>
    public const int MinimumFrames = 4;

    private const int C1 = 32, C2 = 64, C3 = 128;

    // Pixels per im2col/GEMM band: bounds the scratch memory for long videos (a 3000×2048 matrix would otherwise need
    // gigabytes of patches) while keeping the GEMM rows plentiful.
    private const int BandPixels = 2048;

    // Conv kernels re-laid out as [out, ky, kx, in] so a channels-last im2col patch is one contiguous row.
    private readonly float[] _w1, _w2, _w3, _b1, _b2, _b3, _wf;
    private readonly float _bf;

    private VideoComparator(ComparatorPadding padding, float[] w1, float[] b1, float[] w2, float[] b2, float[] w3, float[] b3, float[] wf, float bf)
    {
        Padding = padding;
        (_w1, _b1, _w2, _b2, _w3, _b3, _wf, _bf) = (w1, b1, w2, b2, w3, b3, wf, bf);
    }

    /// <summary>The padding before each 3×3 convolution.</summary>
    public ComparatorPadding Padding { get; }

    /// <summary>Loads the comparator under <paramref name="prefix"/> (<c>visil_head.</c> in the students and selector, <c>video_comperator.</c> in ViSiL).</summary>
    /// <exception cref="WeightsFormatException">A tensor is missing or has the wrong shape.</exception>
    public static VideoComparator Load(ITensorSource source, string prefix, ComparatorPadding padding) =>
        new(padding,
            ChannelsLast(source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv1) + StateDictKeys.Weight, C1, 1, 3, 3), C1, 1), source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv1) + StateDictKeys.Bias, C1),
            ChannelsLast(source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv2) + StateDictKeys.Weight, C2, C1, 3, 3), C2, C1), source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv2) + StateDictKeys.Bias, C2),
            ChannelsLast(source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv3) + StateDictKeys.Weight, C3, C2, 3, 3), C3, C2), source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Conv3) + StateDictKeys.Bias, C3),
            source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.FinalConv) + StateDictKeys.Weight, 1, C3, 1, 1), source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.FinalConv) + StateDictKeys.Bias, 1)[0]);

    /// <summary>True when the tensors of a comparator exist under <paramref name="prefix"/>.</summary>
    public static bool IsPresent(ITensorSource source, string prefix) => source.Tensors.ContainsKey(StateDictKeys.Child(prefix, StateDictKeys.Conv1) + StateDictKeys.Weight);

    /// <summary>The output size for a rows×cols input: ⌊⌊rows/2⌋/2⌋ × ⌊⌊cols/2⌋/2⌋.</summary>
    public static (int Rows, int Cols) OutputShape(int rows, int cols) => (rows / 2 / 2, cols / 2 / 2);

    /// <summary>Runs the CNN on a rows×cols similarity matrix and writes the raw (pre-hardtanh) output.</summary>
    /// <param name="similarity">The rows×cols frame-to-frame matrix, row-major.</param>
    /// <param name="rows">Query frames (≥ <see cref="MinimumFrames"/>).</param>
    /// <param name="cols">Target frames (≥ <see cref="MinimumFrames"/>).</param>
    /// <param name="output">Destination of at least <see cref="OutputShape"/> elements, row-major.</param>
    /// <exception cref="ArgumentException">Fewer than 4 rows or columns, or spans of the wrong length.</exception>
    public void Forward(ReadOnlySpan<float> similarity, int rows, int cols, Span<float> output)
    {
        if (rows < MinimumFrames || cols < MinimumFrames)
            throw new ArgumentException($"the video comparator needs at least {MinimumFrames}×{MinimumFrames} frames, got {rows}×{cols} (tile short videos first)", nameof(similarity));
        if (similarity.Length != rows * cols)
            throw new ArgumentException($"similarity has {similarity.Length} floats, expected {rows}×{cols}", nameof(similarity));
        var (outRows, outCols) = OutputShape(rows, cols);
        if (output.Length < outRows * outCols)
            throw new ArgumentException($"output needs {outRows}×{outCols} floats, got {output.Length}", nameof(output));

        int h2 = rows / 2, w2 = cols / 2, px2 = h2 * w2, px3 = outRows * outCols;
        int band1 = BandRows(cols, pooled: true), band2 = BandRows(w2, pooled: true), band3 = BandRows(outCols, pooled: false);
        int patchLength = Math.Max(band1 * cols * 9, Math.Max(band2 * w2 * 9 * C1, band3 * outCols * 9 * C2));
        int convLength = Math.Max(band1 * cols * C1, Math.Max(band2 * w2 * C2, band3 * outCols * C3));
        float[] rented = ArrayPool<float>.Shared.Rent(patchLength + convLength + px2 * C1 + px3 * C2);
        try
        {
            var patches = rented.AsSpan(0, patchLength);
            var conv = rented.AsSpan(patchLength, convLength);
            var act1 = rented.AsSpan(patchLength + convLength, px2 * C1);
            var act2 = rented.AsSpan(patchLength + convLength + px2 * C1, px3 * C2);

            ConvolvePoolRelu(similarity, rows, cols, 1, _w1, _b1, C1, band1, patches, conv, act1);
            ConvolvePoolRelu(act1, h2, w2, C1, _w2, _b2, C2, band2, patches, conv, act2);

            for (int y0 = 0; y0 < outRows; y0 += band3)
            {
                int n = Math.Min(band3, outRows - y0), pixels = n * outCols;
                var p = patches[..(pixels * 9 * C2)];
                var c = conv[..(pixels * C3)];
                Im2Col(act2, outRows, outCols, C2, y0, n, p);
                Gemm.MultiplyTransposed(p, _w3, c, pixels, C3, 9 * C2);
                for (int i = 0; i < pixels; i++) BiasRelu(c.Slice(i * C3, C3), _b3);
                var result = output.Slice(y0 * outCols, pixels);
                DotKernel.OneVsMany(_wf, c, result);
                TensorPrimitives.Add(result, _bf, result);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // Rows per im2col/GEMM band: about BandPixels pixels, even when the band feeds a 2×2 pooling.
    private static int BandRows(int width, bool pooled)
    {
        int rows = Math.Max(1, BandPixels / width);
        return pooled ? Math.Max(2, rows & ~1) : rows;
    }

    // Convolution over the rows the 2×2/2 pooling uses (an odd last row is dropped by the pooling, so it is never
    // computed), band by band, each band pooled as soon as it exists.
    private void ConvolvePoolRelu(ReadOnlySpan<float> input, int h, int w, int inChannels, float[] weight, float[] bias, int outChannels,
        int bandRows, Span<float> patches, Span<float> conv, Span<float> pooled)
    {
        int k = 9 * inChannels, ph = h / 2, pw = w / 2;
        for (int y0 = 0; y0 < 2 * ph; y0 += bandRows)
        {
            int n = Math.Min(bandRows, 2 * ph - y0), pixels = n * w;
            var p = patches[..(pixels * k)];
            var c = conv[..(pixels * outChannels)];
            Im2Col(input, h, w, inChannels, y0, n, p);
            Gemm.MultiplyTransposed(p, weight, c, pixels, outChannels, k);
            for (int y = 0; y < n / 2; y++)
            {
                for (int x = 0; x < pw; x++)
                {
                    var dst = pooled.Slice(((y0 / 2 + y) * pw + x) * outChannels, outChannels);
                    int topLeft = (2 * y * w + 2 * x) * outChannels;
                    int bottomLeft = topLeft + w * outChannels;
                    TensorPrimitives.Max(c.Slice(topLeft, outChannels), c.Slice(topLeft + outChannels, outChannels), dst);
                    TensorPrimitives.Max(dst, c.Slice(bottomLeft, outChannels), dst);
                    TensorPrimitives.Max(dst, c.Slice(bottomLeft + outChannels, outChannels), dst);
                    BiasRelu(dst, bias);
                }
            }
        }
    }

    private static void BiasRelu(Span<float> values, float[] bias)
    {
        TensorPrimitives.Add(values, bias, values);
        TensorPrimitives.Max(values, 0f, values);
    }

    // patches[((y − yStart)·w + x), (ky·3 + kx)·c + ch] = padded input at (y + ky − 1, x + kx − 1), channel ch,
    // for rows yStart ≤ y < yStart + count. Channels-last makes the three taps of a kernel row one contiguous run of
    // 3·c floats away from the borders.
    private void Im2Col(ReadOnlySpan<float> input, int h, int w, int c, int yStart, int count, Span<float> patches)
    {
        bool replicate = Padding == ComparatorPadding.Replicate;
        int k = 9 * c, run = 3 * c;
        for (int y = yStart; y < yStart + count; y++)
        {
            for (int ky = 0; ky < 3; ky++)
            {
                int yy = y + ky - 1;
                bool rowInside = (uint)yy < (uint)h;
                if (!rowInside && !replicate)
                {
                    for (int x = 0; x < w; x++) patches.Slice(((y - yStart) * w + x) * k + ky * run, run).Clear();
                    continue;
                }
                var row = input.Slice(Math.Clamp(yy, 0, h - 1) * w * c, w * c);
                for (int x = 0; x < w; x++)
                {
                    var dst = patches.Slice(((y - yStart) * w + x) * k + ky * run, run);
                    if (x > 0 && x < w - 1)
                    {
                        row.Slice((x - 1) * c, run).CopyTo(dst);
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++)
                    {
                        int xx = x + kx - 1;
                        var tap = dst.Slice(kx * c, c);
                        if ((uint)xx < (uint)w || replicate) row.Slice(Math.Clamp(xx, 0, w - 1) * c, c).CopyTo(tap);
                        else tap.Clear();
                    }
                }
            }
        }
    }

    private static float[] ChannelsLast(float[] weight, int outChannels, int inChannels)
    {
        var result = new float[weight.Length];
        for (int o = 0; o < outChannels; o++)
            for (int i = 0; i < inChannels; i++)
                for (int tap = 0; tap < 9; tap++)
                    result[(o * 9 + tap) * inChannels + i] = weight[(o * inChannels + i) * 9 + tap];
        return result;
    }
}
