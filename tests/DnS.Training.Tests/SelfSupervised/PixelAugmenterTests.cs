using DnS.Core.Features;
using DnS.Core.Features.Decoding;
using DnS.Training.SelfSupervised;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.SelfSupervised;

public sealed class PixelAugmenterTests
{
    private const int Count = 2, Height = 20, Width = 24, Plane = Height * Width;

    // Normalized frames of RGB values in [0.1, 0.9] with a horizontal and a vertical ramp, so every edit shows.
    private static FrameBatch Frames()
    {
        var pixels = new float[Count * 3 * Plane];
        var mean = VideoDecodingOptions.ImageNetMean;
        var std = VideoDecodingOptions.ImageNetStd;
        for (int n = 0; n < Count; n++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < Height; y++)
                    for (int x = 0; x < Width; x++)
                    {
                        float rgb = 0.1f + 0.8f * ((x * (c + 1) + y * (3 - c) + 5 * n) % 17) / 16f;
                        pixels[((n * 3 + c) * Height + y) * Width + x] = (rgb - mean[c]) / std[c];
                    }
        return new FrameBatch(pixels, Count, Height, Width, 0);
    }

    private static float[] Apply(PixelAugmentation augmentation, FrameBatch frames, int noiseSeed = 1)
    {
        var output = new float[frames.Pixels.Length];
        PixelAugmenter.Apply(augmentation, frames, output, new Random(noiseSeed));
        return output;
    }

    private static float Rgb(float[] pixels, int n, int c, int y, int x)
        => pixels[((n * 3 + c) * Height + y) * Width + x] * VideoDecodingOptions.ImageNetStd[c] + VideoDecodingOptions.ImageNetMean[c];

    [Fact]
    public void Identity_edit_returns_the_frames()
    {
        var frames = Frames();
        var output = Apply(PixelAugmentation.Identity, frames);
        var input = frames.Pixels.ToArray();
        for (int i = 0; i < output.Length; i++) output[i].Should().BeApproximately(input[i], 1e-5f);
    }

    [Fact]
    public void Flip_mirrors_the_columns()
    {
        var frames = Frames();
        var output = Apply(PixelAugmentation.Identity with { Flip = true }, frames);
        var input = frames.Pixels.ToArray();
        for (int n = 0; n < Count; n++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < Height; y++)
                    for (int x = 0; x < Width; x++)
                        Rgb(output, n, c, y, x).Should().BeApproximately(Rgb(input, n, c, y, Width - 1 - x), 1e-5f);
    }

    [Fact]
    public void Crop_of_the_left_half_stretches_it_over_the_frame()
    {
        var frames = Frames();
        var output = Apply(PixelAugmentation.Identity with { CropWidth = 0.5 }, frames);
        var input = frames.Pixels.ToArray();
        // Output column x samples input column (x + 0.5)/2 − 0.5, so column 9 is 4.25: 3/4 of column 4 and 1/4 of column 5.
        float expected = 0.75f * Rgb(input, 0, 1, 3, 4) + 0.25f * Rgb(input, 0, 1, 3, 5);
        Rgb(output, 0, 1, 3, 9).Should().BeApproximately(expected, 1e-5f);
    }

    [Fact]
    public void Grayscale_makes_the_channels_equal_and_brightness_scales()
    {
        var frames = Frames();
        var gray = Apply(PixelAugmentation.Identity with { Grayscale = true }, frames);
        var input = frames.Pixels.ToArray();
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                float luma = 0.299f * Rgb(input, 1, 0, y, x) + 0.587f * Rgb(input, 1, 1, y, x) + 0.114f * Rgb(input, 1, 2, y, x);
                for (int c = 0; c < 3; c++) Rgb(gray, 1, c, y, x).Should().BeApproximately(luma, 1e-5f);
            }
        var darker = Apply(PixelAugmentation.Identity with { Brightness = 0.5 }, frames);
        Rgb(darker, 0, 2, 7, 11).Should().BeApproximately(0.5f * Rgb(input, 0, 2, 7, 11), 1e-5f);
    }

    [Fact]
    public void Sampled_edits_change_the_pixels_keep_the_shape_and_repeat_for_a_seed()
    {
        var frames = Frames();
        var options = new PixelAugmentationOptions { BlurProbability = 1, NoiseProbability = 1 };
        var a = PixelAugmentation.Sample(new Random(3), options);
        a.Should().Be(PixelAugmentation.Sample(new Random(3), options));
        a.Should().NotBe(PixelAugmentation.Sample(new Random(4), options));
        a.BlurSigma.Should().BeInRange(0.5, options.MaxBlurSigma);
        a.NoiseSigma.Should().Be(options.NoiseSigma);
        (a.CropWidth * a.CropHeight).Should().BeInRange(options.MinCropArea / options.MaxAspectChange, 1.0);

        var first = Apply(a, frames, noiseSeed: 9);
        first.Should().HaveCount(frames.Pixels.Length);
        first.Should().Equal(Apply(a, frames, noiseSeed: 9));
        first.Should().NotEqual(Apply(a, frames, noiseSeed: 10), "the noise differs");
        var input = frames.Pixels.ToArray();
        double meanChange = 0;
        for (int i = 0; i < input.Length; i++) meanChange += Math.Abs(first[i] - input[i]);
        (meanChange / input.Length).Should().BeGreaterThan(0.05);
    }

    [Fact]
    public void Wrong_destination_length_is_refused()
    {
        var act = () => PixelAugmenter.Apply(PixelAugmentation.Identity, Frames(), new float[10], new Random(1));
        act.Should().Throw<ArgumentException>().WithMessage("*destination holds 10 floats*");
    }
}
