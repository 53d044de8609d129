using System.Text.Json;
using DnS.Core.Features;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Text;

public sealed class ClipPreprocessingTests
{
    private const int Side = 224;

    internal static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    internal static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    public static TheoryData<int> Images() => [0, 1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(Images))]
    public void Clip_resize_size_and_crop_offset_match_the_manifest(int index)
    {
        JsonElement image = JsonDocument.Parse(File.ReadAllText(SharedData.GoldenText("manifest.json"))).RootElement
            .GetProperty("images")[index];
        var (width, height) = PillowResizeCrop.ResizedSize(image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32(), Side);

        width.Should().Be(image.GetProperty("resized_width").GetInt32());
        height.Should().Be(image.GetProperty("resized_height").GetInt32());
        PillowResizeCrop.CropOffset(width, Side).Should().Be(image.GetProperty("crop_left").GetInt32());
        PillowResizeCrop.CropOffset(height, Side).Should().Be(image.GetProperty("crop_top").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Clip_pillow_bicubic_resize_and_crop_is_bit_exact_with_images_resized_u8(int index)
    {
        NpyFile image = NpyFile.Read(SharedData.GoldenText($"images/image_{index}.npy"));
        byte[] expected = ResizedGolden(index);
        var cropped = new byte[Side * Side * 3];

        new PillowResizeCrop(Side, Side).Apply(image.Bytes(), image.Shape[1], image.Shape[0], cropped);

        int maxDiff = cropped.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        maxDiff.Should().Be(0, "Pillow's fixed-point bicubic is ported exactly (the README allows ±1 for float ports)");
    }

    [Fact]
    public async Task Clip_png_files_decoded_by_ffmpeg_give_pixel_values_npy()
    {
        float[] expected = NpyFile.Read(SharedData.GoldenText("pixel_values.npy")).Floats();
        var decoder = new VideoFrameDecoder(ClipDecoding());
        int plane = 3 * Side * Side;

        for (int index = 0; index < 6; index++)
        {
            var frames = new List<float[]>();
            await foreach (FrameBatch batch in decoder.DecodeAsync(SharedData.GoldenText($"images/image_{index}.png")))
                frames.Add(batch.Pixels.ToArray());

            frames.Should().ContainSingle($"image {index} is one still frame");
            float worst = 0;
            for (int i = 0; i < plane; i++)
                worst = Math.Max(worst, Math.Abs(frames[0][i] - expected[index * plane + i]));
            worst.Should().BeLessThanOrEqualTo(1e-6f, $"image {index}");
        }
    }

    internal static VideoDecodingOptions ClipDecoding() => new()
    {
        Resize = ResizeMethod.Pillow,
        ResizeShortSide = Side,
        CropSize = Side,
        Mean = ClipMean,
        Std = ClipStd,
    };

    private static byte[] ResizedGolden(int index)
    {
        byte[] all = NpyFile.Read(SharedData.GoldenText("images_resized_u8.npy")).Bytes();
        return all.AsSpan(index * Side * Side * 3, Side * Side * 3).ToArray();
    }
}
