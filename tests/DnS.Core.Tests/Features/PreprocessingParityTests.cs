using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features;

/// <summary>
/// Both resize methods against an independent full-frame transcription of the reference (OpenCV INTER_CUBIC, then
/// ViSiL's center crop) on the same lossless RGB frame. The numbers logged here are the ones in docs/features.md.
/// </summary>
[Collection(VideoClipsCollection.Name)]
public sealed class PreprocessingParityTests(VideoClips clips, ITestOutputHelper output)
{
    [Theory]
    [InlineData("still_small.nut", 160, 120)]  // upscale ×2.13
    [InlineData("still_large.nut", 640, 480)]  // downscale ×0.53
    [InlineData("odd.mkv", 97, 61)]            // odd sizes, ratio 4.197
    public async Task Reference_method_is_bit_exact_with_opencv_bicubic(string clip, int width, int height)
    {
        var (mean, worst) = await Compare(clip, width, height, ResizeMethod.Reference);
        worst.Should().Be(0);
        mean.Should().Be(0);
    }

    [Theory]
    [InlineData("still_small.nut", 160, 120, 2.0, 80)]
    [InlineData("still_large.nut", 640, 480, 2.5, 160)]
    public async Task Ffmpeg_method_differs_from_opencv_bicubic_by_a_bounded_amount(string clip, int width, int height, double meanBound, int maxBound)
    {
        var (mean, worst) = await Compare(clip, width, height, ResizeMethod.Ffmpeg);
        mean.Should().BeLessThan(meanBound);
        worst.Should().BeLessThanOrEqualTo(maxBound);
    }

    private async Task<(double Mean, int Worst)> Compare(string clip, int width, int height, ResizeMethod method)
    {
        var source = VideoClips.FirstFrameRgb(clips[clip]);
        source.Length.Should().BeGreaterThanOrEqualTo(width * height * 3);
        var expected = OpenCvBicubicReference.ResizeShortSideAndCrop(source[..(width * height * 3)], width, height, 256, 224);

        var (frames, _) = await VideoFrameDecoderTests.DecodeAll(clips[clip], new VideoDecodingOptions { Resize = method });
        var frame = frames[0];
        long total = 0;
        int worst = 0;
        var histogram = new int[4];
        for (int p = 0; p < 224 * 224; p++)
        {
            var (r, g, b) = VideoFrameDecoderTests.Rgb(frame, p);
            foreach (var (actual, c) in new[] { (r, 0), (g, 1), (b, 2) })
            {
                int diff = Math.Abs(actual - expected[p * 3 + c]);
                total += diff;
                worst = Math.Max(worst, diff);
                histogram[Math.Min(diff, 3)]++;
            }
        }
        double mean = total / (224.0 * 224 * 3);
        output.WriteLine($"{method} {clip} {width}x{height} -> short side 256, crop 224: mean |decoder - OpenCV| = {mean:F3}, max = {worst} " +
                         $"(|diff| 0: {histogram[0]}, 1: {histogram[1]}, 2: {histogram[2]}, >=3: {histogram[3]} of {224 * 224 * 3} samples)");
        return (mean, worst);
    }
}
