using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Weights;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

/// <summary>
/// The Winograd comparator against a direct NCHW convolution written the way the reference runs it
/// (pad, conv + bias, ReLU, pool), on matrices large and odd enough to need several bands and to drop odd rows/columns.
/// </summary>
public sealed class VideoComparatorTests(ITestOutputHelper output)
{
    private readonly GoldenComparison _golden = new(output);

    [Theory]
    [InlineData("fg_att_student.weights.safetensors", "visil_head.", ComparatorPadding.Zero, 131, 70)]
    [InlineData("visil_teacher.weights.safetensors", "video_comperator.", ComparatorPadding.Replicate, 45, 257)]
    [InlineData("fg_bin_student.weights.safetensors", "visil_head.", ComparatorPadding.Zero, 4, 2049)]
    public void Banded_comparator_equals_a_direct_convolution(string file, string prefix, ComparatorPadding padding, int rows, int cols) =>
        CompareWithDirect(file, prefix, padding, rows, cols, SimdCapabilities.Best);

    public static TheoryData<SimdPath, ComparatorPadding, int, int> PathsAndPaddings()
    {
        var data = new TheoryData<SimdPath, ComparatorPadding, int, int>();
        foreach (var path in Enum.GetValues<SimdPath>().Where(SimdCapabilities.IsSupported))
            foreach (var padding in Enum.GetValues<ComparatorPadding>())
                foreach (var (rows, cols) in new[] { (23, 41), (40, 40) }) data.Add(path, padding, rows, cols);
        return data;
    }

    /// <summary>Every instruction-set path of the Winograd layers (Vector512/256/128 and the scalar reference lanes)
    /// against the double-precision direct convolution: on odd sizes that leave partial tiles (conv2's F(4×4) 3 × 5 tiles
    /// of which the last row keeps one pooled row) and dropped rows, and at T = 40, whose 25-tile products end in a
    /// one-row block (the micro-kernel's short path).</summary>
    [Theory]
    [MemberData(nameof(PathsAndPaddings))]
    public void Winograd_comparator_on_every_simd_path_equals_a_direct_convolution(SimdPath path, ComparatorPadding padding, int rows, int cols) =>
        CompareWithDirect("fg_att_student.weights.safetensors", "visil_head.", padding, rows, cols, path);

    private void CompareWithDirect(string file, string prefix, ComparatorPadding padding, int rows, int cols, SimdPath path)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden(file));
        var comparator = VideoComparator.Load(weights, prefix, padding);
        var random = new Random(rows * cols);
        var input = new float[rows * cols];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);

        var (outRows, outCols) = VideoComparator.OutputShape(rows, cols);
        var actual = new float[outRows * outCols];
        comparator.Forward(input, rows, cols, actual, path);

        bool replicate = padding == ComparatorPadding.Replicate;
        var x = new Map(1, rows, cols, input);
        x = Pool(Relu(Conv(x, weights.ReadFloats(prefix + "conv1.weight"), weights.ReadFloats(prefix + "conv1.bias"), 32, 3, replicate)));
        x = Pool(Relu(Conv(x, weights.ReadFloats(prefix + "conv2.weight"), weights.ReadFloats(prefix + "conv2.bias"), 64, 3, replicate)));
        x = Relu(Conv(x, weights.ReadFloats(prefix + "conv3.weight"), weights.ReadFloats(prefix + "conv3.bias"), 128, 3, replicate));
        x = Conv(x, weights.ReadFloats(prefix + "fconv.weight"), weights.ReadFloats(prefix + "fconv.bias"), 1, 1, replicate);
        _golden.Close($"comparator {padding} {rows}×{cols} on {path} vs direct convolution", x.Data, actual, 1e-5, 1e-4);
    }

    private sealed record Map(int Channels, int Height, int Width, float[] Data)
    {
        public float At(int c, int y, int x, bool replicate)
        {
            if (replicate) { y = Math.Clamp(y, 0, Height - 1); x = Math.Clamp(x, 0, Width - 1); }
            else if (y < 0 || y >= Height || x < 0 || x >= Width) return 0;
            return Data[(c * Height + y) * Width + x];
        }
    }

    private static Map Conv(Map input, float[] weight, float[] bias, int outChannels, int size, bool replicate)
    {
        int pad = size / 2;
        var result = new float[outChannels * input.Height * input.Width];
        for (int o = 0; o < outChannels; o++)
            for (int y = 0; y < input.Height; y++)
                for (int x = 0; x < input.Width; x++)
                {
                    double sum = bias[o];
                    for (int c = 0; c < input.Channels; c++)
                        for (int ky = 0; ky < size; ky++)
                            for (int kx = 0; kx < size; kx++)
                                sum += (double)weight[((o * input.Channels + c) * size + ky) * size + kx] * input.At(c, y + ky - pad, x + kx - pad, replicate);
                    result[(o * input.Height + y) * input.Width + x] = (float)sum;
                }
        return new Map(outChannels, input.Height, input.Width, result);
    }

    private static Map Relu(Map m) => m with { Data = m.Data.Select(v => Math.Max(v, 0f)).ToArray() };

    private static Map Pool(Map m)
    {
        int h = m.Height / 2, w = m.Width / 2;
        var result = new float[m.Channels * h * w];
        for (int c = 0; c < m.Channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    result[(c * h + y) * w + x] = Math.Max(Math.Max(m.At(c, 2 * y, 2 * x, false), m.At(c, 2 * y, 2 * x + 1, false)),
                                                           Math.Max(m.At(c, 2 * y + 1, 2 * x, false), m.At(c, 2 * y + 1, 2 * x + 1, false)));
        return new Map(m.Channels, h, w, result);
    }
}
