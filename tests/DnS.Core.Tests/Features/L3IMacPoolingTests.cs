using DnS.Core.Features;
using DnS.Core.Features.Pooling;
using DnS.Core.Features.Whitening;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features;

public sealed class L3IMacPoolingTests(ITestOutputHelper output)
{
    private static StageMap[] LoadStages(SafeTensorsFile file)
    {
        var stages = new StageMap[4];
        for (int i = 0; i < 4; i++)
        {
            var info = file.GetInfo($"layer{i + 1}");
            stages[i] = new StageMap(file.ReadFloats(info.Name), info.Shape[0], info.Shape[1], info.Shape[2], info.Shape[3]);
        }
        return stages;
    }

    [Fact]
    public void Golden_l3imac_224_region_vectors_and_pca()
    {
        using var inputs = SafeTensorsFile.Open(SharedData.Golden("l3imac_224.inputs.safetensors"));
        using var outputs = SafeTensorsFile.Open(SharedData.Golden("l3imac_224.outputs.safetensors"));
        var stages = LoadStages(inputs);

        L3IMacPooling.ResNet50.OutputShape(stages).Should().Be((9, 3840));
        var regions = new float[9 * 3840];
        L3IMacPooling.ResNet50.Pool(stages, regions);
        GoldenComparison.ShouldMatch(regions, outputs.ReadFloats("region_vectors", 1, 9, 3840), 1e-6, 0, "l3imac_224 region_vectors", output);

        var pca = PcaWhitening.Load(SharedData.Golden("pca.weights.safetensors"));
        pca.Components.Should().Be(64);
        var whitened = new float[9 * 64];
        var expectedRegions = outputs.ReadFloats("region_vectors");
        var before = expectedRegions.ToArray();
        pca.Whiten(expectedRegions, whitened);
        expectedRegions.Should().Equal(before, "whitening must not modify the caller's input");
        GoldenComparison.ShouldMatch(whitened, outputs.ReadFloats("pca_output", 1, 9, 64), 1e-5, 1e-4, "l3imac_224 pca_output", output);
    }

    [Fact]
    public void Golden_l3imac_generic_batch_non_square_overlapping_bins()
    {
        using var inputs = SafeTensorsFile.Open(SharedData.Golden("l3imac_generic.inputs.safetensors"));
        using var outputs = SafeTensorsFile.Open(SharedData.Golden("l3imac_generic.outputs.safetensors"));
        var stages = LoadStages(inputs);

        L3IMacPooling.ResNet50.OutputShape(stages).Should().Be((6, 120));
        var regions = new float[2 * 6 * 120];
        L3IMacPooling.ResNet50.Pool(stages, regions);
        GoldenComparison.ShouldMatch(regions, outputs.ReadFloats("region_vectors", 2, 6, 120), 1e-6, 0, "l3imac_generic region_vectors", output);
    }

    [Theory]
    [InlineData(new[] { 5, 3 }, 2, 17, 23)]
    [InlineData(new[] { 4, 2, 1 }, 3, 9, 8)]
    [InlineData(new[] { 2 }, 1, 2, 2)]
    public void Matches_scalar_reference_for_configurable_kernels(int[] kernels, int frames, int height, int width)
    {
        var rng = new Random(7);
        var stages = new StageMap[kernels.Length];
        for (int i = 0; i < kernels.Length; i++)
        {
            int h = Math.Max(kernels[i], height >> i), w = Math.Max(kernels[i], width >> i), c = 3 + 2 * i;
            var data = new float[frames * c * h * w];
            for (int j = 0; j < data.Length; j++) data[j] = (float)(rng.NextDouble() * 2 - 0.5);
            stages[i] = new StageMap(data, frames, c, h, w);
        }
        var pooling = new L3IMacPooling(kernels);
        var (r, d) = pooling.OutputShape(stages);
        var actual = new float[frames * r * d];
        pooling.Pool(stages, actual);
        var expected = ScalarL3IMac(stages, kernels);
        expected.Length.Should().Be(actual.Length);
        for (int i = 0; i < actual.Length; i++) actual[i].Should().BeApproximately(expected[i], 2e-6f, $"element {i}");
    }

    [Fact]
    public void Rejects_mismatched_stages_and_destination()
    {
        var stage = new StageMap(new float[1 * 2 * 4 * 4], 1, 2, 4, 4);
        var pooling = new L3IMacPooling(3, 3);
        FluentActions.Invoking(() => pooling.OutputShape([stage])).Should().Throw<ArgumentException>().WithMessage("*1 stage maps*2 kernel sizes*");
        FluentActions.Invoking(() => new L3IMacPooling(5).OutputShape([stage])).Should().Throw<ArgumentException>().WithMessage("*[1, 2, 4, 4]*smaller than its max-pool kernel 5*");
        FluentActions.Invoking(() => new L3IMacPooling(3).OutputShape([stage with { Count = 2 }])).Should().Throw<ArgumentException>().WithMessage("*needs 64 floats*has 32*");
        FluentActions.Invoking(() => new L3IMacPooling(3).Pool([stage], new float[5])).Should().Throw<ArgumentException>().WithMessage("*5 floats*expected*");
        FluentActions.Invoking(() => new L3IMacPooling(0)).Should().Throw<ArgumentException>();
    }

    /// <summary>Literal transcription of the reference steps, one element at a time, in double.</summary>
    private static float[] ScalarL3IMac(StageMap[] stages, int[] kernels)
    {
        int frames = stages[0].Count;
        int k = kernels[^1], st = (k + 1) / 2;
        int oh = (stages[^1].Height - k) / st + 1, ow = (stages[^1].Width - k) / st + 1;
        int dims = stages.Sum(s => s.Channels);
        var result = new float[frames * oh * ow * dims];
        for (int n = 0; n < frames; n++)
        {
            int offset = 0;
            for (int i = 0; i < stages.Length; i++)
            {
                var s = stages[i];
                var x = s.Data.Span;
                int ks = kernels[i], stride = (ks + 1) / 2;
                int gh = (s.Height - ks) / stride + 1, gw = (s.Width - ks) / stride + 1;
                var g = new double[s.Channels, gh, gw];
                for (int c = 0; c < s.Channels; c++)
                    for (int y = 0; y < gh; y++)
                        for (int xx = 0; xx < gw; xx++)
                        {
                            double m = double.NegativeInfinity;
                            for (int dy = 0; dy < ks; dy++)
                                for (int dx = 0; dx < ks; dx++)
                                    m = Math.Max(m, x[((n * s.Channels + c) * s.Height + y * stride + dy) * s.Width + xx * stride + dx]);
                            g[c, y, xx] = m;
                        }
                NormalizeChannels(g, gh, gw, s.Channels);
                var a = new double[s.Channels, oh, ow];
                for (int c = 0; c < s.Channels; c++)
                    for (int y = 0; y < oh; y++)
                        for (int xx = 0; xx < ow; xx++)
                        {
                            int y0 = (int)Math.Floor((double)y * gh / oh), y1 = (int)Math.Ceiling((double)(y + 1) * gh / oh);
                            int x0 = (int)Math.Floor((double)xx * gw / ow), x1 = (int)Math.Ceiling((double)(xx + 1) * gw / ow);
                            double m = double.NegativeInfinity;
                            for (int yy = y0; yy < y1; yy++)
                                for (int xq = x0; xq < x1; xq++) m = Math.Max(m, g[c, yy, xq]);
                            a[c, y, xx] = m;
                        }
                NormalizeChannels(a, oh, ow, s.Channels);
                for (int c = 0; c < s.Channels; c++)
                    for (int y = 0; y < oh; y++)
                        for (int xx = 0; xx < ow; xx++)
                            result[((n * oh * ow) + y * ow + xx) * dims + offset + c] = (float)a[c, y, xx];
                offset += s.Channels;
            }
            for (int r = 0; r < oh * ow; r++)
            {
                var v = result.AsSpan((n * oh * ow + r) * dims, dims);
                double norm = 0;
                foreach (float f in v) norm += (double)f * f;
                norm = Math.Max(Math.Sqrt(norm), 1e-12);
                for (int j = 0; j < v.Length; j++) v[j] = (float)(v[j] / norm);
            }
        }
        return result;
    }

    private static void NormalizeChannels(double[,,] g, int h, int w, int channels)
    {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double norm = 0;
                for (int c = 0; c < channels; c++) norm += g[c, y, x] * g[c, y, x];
                norm = Math.Max(Math.Sqrt(norm), 1e-12);
                for (int c = 0; c < channels; c++) g[c, y, x] /= norm;
            }
    }
}
