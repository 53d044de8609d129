using DnS.Core.Features;
using DnS.Core.Features.BuiltIn;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features.BuiltIn;

public sealed class BuiltInFrameEncoderTests
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    [Fact]
    public void Flat_color_frame_has_only_its_histogram_bin_and_color_means()
    {
        // RGB (0.9, 0.1, 0.6): histogram levels (3, 0, 2) → bin (3·4 + 0)·4 + 2 = 50.
        float[] pixels = Frame(30, 33, (_, _) => (0.9f, 0.1f, 0.6f));
        float[] features = new float[BuiltInFrameEncoder.Regions * BuiltInFrameEncoder.Dimensions];

        new BuiltInFrameEncoder().Encode(new FrameBatch(pixels, 1, 30, 33, 0), features);

        // Two non-empty blocks (histogram, color moments), each unit length before the final L2.
        float half = 1f / MathF.Sqrt(2f);
        float[] sqrtMeans = [MathF.Sqrt(0.9f), MathF.Sqrt(0.1f), MathF.Sqrt(0.6f)];
        float meansNorm = MathF.Sqrt(0.9f + 0.1f + 0.6f);
        for (int r = 0; r < BuiltInFrameEncoder.Regions; r++)
        {
            ReadOnlySpan<float> region = features.AsSpan(r * BuiltInFrameEncoder.Dimensions, BuiltInFrameEncoder.Dimensions);
            for (int i = 0; i < BuiltInFrameEncoder.Dimensions; i++)
            {
                float expected = i == 50 ? half : i is >= 64 and < 67 ? half * sqrtMeans[i - 64] / meansNorm : 0f;
                region[i].Should().BeApproximately(expected, 2e-3f, "region {0} float {1}", r, i);
            }
        }
    }

    [Fact]
    public void Regions_are_unit_length_and_follow_the_grid()
    {
        // Left third bright, the rest dark: the left column of regions differs from the others.
        float[] pixels = Frame(36, 36, (_, x) => x < 12 ? (1f, 1f, 1f) : (0.05f, 0.05f, 0.05f));
        float[] features = new float[2 * BuiltInFrameEncoder.Regions * BuiltInFrameEncoder.Dimensions];
        float[] twoFrames = [.. pixels, .. pixels];

        new BuiltInFrameEncoder().Encode(new FrameBatch(twoFrames, 2, 36, 36, 0), features);

        int d = BuiltInFrameEncoder.Dimensions;
        for (int r = 0; r < 2 * BuiltInFrameEncoder.Regions; r++)
            System.Numerics.Tensors.TensorPrimitives.Norm(features.AsSpan(r * d, d)).Should().BeApproximately(1f, 1e-5f);
        features.AsSpan(0, 9 * d).SequenceEqual(features.AsSpan(9 * d, 9 * d)).Should().BeTrue("both frames are equal");
        Dot(features, 0, 3).Should().BeApproximately(1f, 1e-5f, "regions 0 and 3 (left column) see the same flat white");
        Dot(features, 0, 1).Should().BeLessThan(0.9f, "region 1 holds the white-to-dark edge");
        Dot(features, 2, 5).Should().BeApproximately(1f, 1e-5f, "both right-column regions are flat dark");
    }

    [Fact]
    public void Rejects_small_frames_short_pixels_and_wrong_destination()
    {
        var encoder = new BuiltInFrameEncoder();
        float[] pixels = Frame(16, 16, (_, _) => (0.5f, 0.5f, 0.5f));

        var small = () => encoder.Encode(new FrameBatch(pixels, 1, 8, 8, 0), new float[9 * 128]);
        small.Should().Throw<ArgumentException>().WithMessage("*[1, 3, 8, 8]*12×12*");
        var shortPixels = () => encoder.Encode(new FrameBatch(pixels, 2, 16, 16, 0), new float[2 * 9 * 128]);
        shortPixels.Should().Throw<ArgumentException>().WithMessage("*768 floats*1536*");
        var destination = () => encoder.Encode(new FrameBatch(pixels, 1, 16, 16, 0), new float[100]);
        destination.Should().Throw<ArgumentException>().WithMessage("*100 floats*[1, 9, 128]*1152*");
    }

    private static float Dot(float[] features, int a, int b) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(features.AsSpan(a * 128, 128), features.AsSpan(b * 128, 128));

    // One ImageNet-normalized frame from an RGB function of (y, x).
    private static float[] Frame(int height, int width, Func<int, int, (float R, float G, float B)> color)
    {
        int plane = height * width;
        var pixels = new float[3 * plane];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                (float r, float g, float b) = color(y, x);
                pixels[y * width + x] = (r - Mean[0]) / Std[0];
                pixels[plane + y * width + x] = (g - Mean[1]) / Std[1];
                pixels[2 * plane + y * width + x] = (b - Mean[2]) / Std[2];
            }

        return pixels;
    }
}
