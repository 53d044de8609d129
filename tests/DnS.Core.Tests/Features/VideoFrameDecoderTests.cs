using DnS.Core.Features;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features;

[Collection(VideoClipsCollection.Name)]
public sealed class VideoFrameDecoderTests(VideoClips clips)
{
    private const int Side = 224, Plane = Side * Side;

    internal static async Task<(List<float[]> Frames, List<FrameBatch> Batches)> DecodeAll(string path, VideoDecodingOptions? options = null, CancellationToken ct = default)
    {
        var frames = new List<float[]>();
        var batches = new List<FrameBatch>();
        await foreach (var batch in new VideoFrameDecoder(options).DecodeAsync(path, ct))
        {
            batches.Add(batch with { Pixels = ReadOnlyMemory<float>.Empty });
            int frameFloats = 3 * batch.Height * batch.Width;
            batch.Pixels.Length.Should().Be(batch.Count * frameFloats);
            for (int i = 0; i < batch.Count; i++) frames.Add(batch.Pixels.Slice(i * frameFloats, frameFloats).ToArray());
        }
        return (frames, batches);
    }

    /// <summary>Undoes the ImageNet normalization of pixel p: the RGB bytes ffmpeg produced.</summary>
    internal static (int R, int G, int B) Rgb(float[] frame, int p, int plane = Plane)
    {
        int Channel(int c) => (int)Math.Round((frame[c * plane + p] * VideoDecodingOptions.ImageNetStd[c] + VideoDecodingOptions.ImageNetMean[c]) * 255);
        return (Channel(0), Channel(1), Channel(2));
    }

    [Theory]
    [InlineData("h264.mp4", 3)]
    [InlineData("vp9.webm", 3)]
    [InlineData("h264.mkv", 3)]
    [InlineData("mpeg4.avi", 3)]
    [InlineData("anim.gif", 3)]
    public async Task Every_container_gives_one_normalized_224_frame_per_second(string clip, int expectedFrames)
    {
        var (frames, batches) = await DecodeAll(clips[clip]);
        frames.Should().HaveCount(expectedFrames);
        batches.Should().ContainSingle().Which.Should().Be(new FrameBatch(ReadOnlyMemory<float>.Empty, expectedFrames, Side, Side, 0));
        foreach (var f in frames)
        {
            f.Should().HaveCount(3 * Plane);
            // Every value is (byte/255 − mean)/std for some byte: within the normalized range of each channel.
            for (int c = 0; c < 3; c++)
            {
                float lo = -VideoDecodingOptions.ImageNetMean[c] / VideoDecodingOptions.ImageNetStd[c];
                float hi = (1 - VideoDecodingOptions.ImageNetMean[c]) / VideoDecodingOptions.ImageNetStd[c];
                f.AsSpan(c * Plane, Plane).ToArray().Should().OnlyContain(v => v >= lo - 1e-5f && v <= hi + 1e-5f);
            }
        }
        frames[0].Should().NotEqual(frames[1], "testsrc2 and mandelbrot move over time");
    }

    [Fact]
    public async Task Clip_shorter_than_a_second_gives_exactly_one_frame()
    {
        var (frames, _) = await DecodeAll(clips["short.mp4"]);
        frames.Should().ContainSingle();
    }

    [Theory]
    [InlineData(ResizeMethod.Reference)]
    [InlineData(ResizeMethod.Ffmpeg)]
    public async Task Constant_rate_sampling_picks_the_same_frames_as_the_reference_counter(ResizeMethod method)
    {
        // The reference keeps frame i when i % round(fps) == 0: frames 0, 10, 20, 30 of the 31-frame ramp.
        var (frames, _) = await DecodeAll(clips["ramp.mkv"], new VideoDecodingOptions { Resize = method });
        frames.Select(f => Rgb(f, Plane / 2 + Side / 2).G / 8.0).Should().Equal([0, 10, 20, 30], (a, b) => Math.Abs(a - b) < 0.3);
    }

    [Fact]
    public async Task Variable_frame_rate_is_sampled_on_timestamps()
    {
        var (frames, _) = await DecodeAll(clips["vfr.mkv"]);
        frames.Should().HaveCount(3);
        var center = Plane / 2 + Side / 2;
        Rgb(frames[0], center).Should().Match<(int R, int G, int B)>(c => c.R > 240 && c.G < 15 && c.B < 15, "second 0 is red");
        Rgb(frames[1], center).Should().Match<(int R, int G, int B)>(c => c.G > 240 && c.R < 15 && c.B < 15, "second 1 is green");
        Rgb(frames[2], center).Should().Match<(int R, int G, int B)>(c => c.B > 240 && c.R < 15 && c.G < 15, "second 2 is blue");
    }

    [Fact]
    public async Task Display_rotation_is_applied()
    {
        // Unrotated 64×32: blue left half, red right half. Rotated 90°: 32×64 with the halves stacked vertically.
        var (plain, _) = await DecodeAll(clips["halves.mp4"]);
        var (rotated, _) = await DecodeAll(clips["rotated.mp4"]);
        int row = Side / 2, col = Side / 2;
        Rgb(plain[0], row * Side + 10).B.Should().BeGreaterThan(200);
        Rgb(plain[0], row * Side + Side - 10).R.Should().BeGreaterThan(200);
        var top = Rgb(rotated[0], 10 * Side + col);
        var bottom = Rgb(rotated[0], (Side - 10) * Side + col);
        // A quarter down, away from the (now horizontal) boundary through the center row.
        var left = Rgb(rotated[0], Side / 4 * Side + 10);
        var right = Rgb(rotated[0], Side / 4 * Side + Side - 10);
        left.Should().Be(right, "after rotation the color boundary is horizontal");
        (top.R > 200 && bottom.B > 200 || top.B > 200 && bottom.R > 200).Should().BeTrue($"top {top} and bottom {bottom} differ");
    }

    [Theory]
    [InlineData("vfr.mkv", 3, true)]
    [InlineData("short.mp4", 1, false)]
    [InlineData("rotated.mp4", 1, true)]
    public async Task Ffmpeg_resize_method_samples_the_same_frames(string clip, int expectedFrames, bool flatColors)
    {
        var (reference, _) = await DecodeAll(clips[clip]);
        var (ffmpeg, _) = await DecodeAll(clips[clip], new VideoDecodingOptions { Resize = ResizeMethod.Ffmpeg });
        ffmpeg.Should().HaveCount(expectedFrames).And.HaveCount(reference.Count);
        if (!flatColors) return;
        // On flat color areas only the YUV → RGB rounding differs (swscale converts after scaling in ffmpeg mode).
        int center = Plane / 2 + Side / 2, quarter = Side / 4 * Side + Side / 2;
        for (int i = 0; i < expectedFrames; i++)
            foreach (int p in new[] { center, quarter, Plane - quarter })
            {
                var (r1, g1, b1) = Rgb(reference[i], p);
                var (r2, g2, b2) = Rgb(ffmpeg[i], p);
                Math.Max(Math.Abs(r1 - r2), Math.Max(Math.Abs(g1 - g2), Math.Abs(b1 - b2))).Should().BeLessThanOrEqualTo(8, $"frame {i} pixel {p} on a flat area");
            }
    }

    [Fact]
    public async Task Paths_with_colons_spaces_and_quotes_are_passed_verbatim()
    {
        string path = clips.NewPath("we'ird: \"name\" .mp4");
        File.Copy(clips["short.mp4"], path);
        var (frames, _) = await DecodeAll(path);
        frames.Should().ContainSingle();
    }

    [Fact]
    public async Task Odd_frame_size_is_resized_and_cropped()
    {
        var (frames, _) = await DecodeAll(clips["odd.mkv"]);
        frames.Should().HaveCount(2);
        frames[0].Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public async Task Long_clip_streams_in_batches_with_running_frame_index()
    {
        var (frames, batches) = await DecodeAll(clips["long.mp4"], new VideoDecodingOptions { BatchSize = 4 });
        frames.Should().HaveCount(10);
        batches.Select(b => (b.Count, b.FirstFrameIndex)).Should().Equal((4, 0), (4, 4), (2, 8));

        var (half, _) = await DecodeAll(clips["long.mp4"], new VideoDecodingOptions { FramesPerSecond = 0.5 });
        half.Should().HaveCount(5);
        half[1].Should().Equal(frames[2], "at 0.5 fps the second sample is the frame at t = 2 s");
    }

    [Fact]
    public async Task Custom_sizes_change_the_crop()
    {
        var (frames, batches) = await DecodeAll(clips["h264.mp4"], new VideoDecodingOptions { ResizeShortSide = 80, CropSize = 64 });
        batches[0].Height.Should().Be(64);
        frames[0].Should().HaveCount(3 * 64 * 64);
    }

    [Fact]
    public async Task Cancellation_stops_within_a_batch_and_leaves_no_ffmpeg_running()
    {
        // A private copy: other test classes decode minute.mp4 in parallel, and only this test's ffmpeg counts.
        string clip = Path.Combine(Path.GetTempPath(), $"dns-cancel-{Guid.NewGuid():N}.mp4");
        File.Copy(clips["minute.mp4"], clip);
        try
        {
            using var cts = new CancellationTokenSource();
            int batches = 0;
            var act = async () =>
            {
                await foreach (var _ in new VideoFrameDecoder(new VideoDecodingOptions { BatchSize = 2 }).DecodeAsync(clip, cts.Token))
                {
                    batches++;
                    cts.Cancel();
                }
            };
            await act.Should().ThrowAsync<OperationCanceledException>();
            batches.Should().Be(1);
            FfmpegChildren(clip).Should().BeEmpty();

            // Leaving the loop early disposes the enumerator, which must also end ffmpeg.
            await foreach (var _ in new VideoFrameDecoder(new VideoDecodingOptions { BatchSize = 2 }).DecodeAsync(clip))
                break;
            FfmpegChildren(clip).Should().BeEmpty();
        }
        finally
        {
            File.Delete(clip);
        }
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        FluentActions.Invoking(() => new VideoFrameDecoder(new VideoDecodingOptions { CropSize = 300 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("CropSize");
        FluentActions.Invoking(() => new VideoFrameDecoder(new VideoDecodingOptions { FramesPerSecond = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("FramesPerSecond");
        FluentActions.Invoking(() => new VideoFrameDecoder(new VideoDecodingOptions { BatchSize = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("BatchSize");
    }

    /// <summary>
    /// Live ffmpeg processes whose parent is this test process (Linux /proc), optionally only those whose
    /// command line names <paramref name="input"/>.
    /// </summary>
    internal static List<int> FfmpegChildren(string? input = null)
    {
        int self = Environment.ProcessId;
        var result = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int close = stat.LastIndexOf(')');
                string name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                if (name != "ffmpeg" || fields[0] == "Z" || int.Parse(fields[1]) != self) continue;
                if (input is null || File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(input, StringComparison.Ordinal)) result.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return result;
    }
}
