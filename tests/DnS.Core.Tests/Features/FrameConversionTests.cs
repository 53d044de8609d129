using System.Text;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features;

public sealed class FrameConversionTests
{
    [Fact]
    public void Normalizer_writes_planar_imagenet_values()
    {
        var normalizer = new FrameNormalizer(VideoDecodingOptions.ImageNetMean, VideoDecodingOptions.ImageNetStd);
        byte[] rgb = [0, 128, 255, 10, 20, 30]; // two pixels
        var planar = new float[6];
        normalizer.Normalize(rgb, planar);
        float[] expected =
        [
            (0 / 255f - 0.485f) / 0.229f, (10 / 255f - 0.485f) / 0.229f,
            (128 / 255f - 0.456f) / 0.224f, (20 / 255f - 0.456f) / 0.224f,
            (255 / 255f - 0.406f) / 0.225f, (30 / 255f - 0.406f) / 0.225f,
        ];
        planar.Should().Equal(expected);
        FluentActions.Invoking(() => normalizer.Normalize(rgb, new float[3])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Ppm_headers_parse_and_reject_garbage()
    {
        var scratch = new byte[1];
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("P6\n341 256\n255\n"));
        (await PpmHeader.ReadAsync(stream, scratch, default)).Should().Be((341, 256));
        (await PpmHeader.ReadAsync(stream, scratch, default)).Should().BeNull("a clean end of stream");

        foreach (var bad in new[] { "P5\n2 2\n255\n", "P6\n2 x\n255\n", "P6\n2 2\n65535\n", "P6\n2 2" })
        {
            using var s = new MemoryStream(Encoding.ASCII.GetBytes(bad));
            await FluentActions.Awaiting(() => PpmHeader.ReadAsync(s, scratch, default).AsTask()).Should().ThrowAsync<InvalidDataException>(bad);
        }
    }
}
