using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features;

[Collection(VideoClipsCollection.Name)]
public sealed class VideoDecodingErrorTests(VideoClips clips)
{
    /// <summary>Decoding <paramref name="path"/> fails (within minutes: a hang fails the test) for <paramref name="reason"/>, naming the file.</summary>
    internal static async Task<VideoDecodingException> Fails(string path, VideoDecodingFailure reason, VideoDecodingOptions? options = null)
    {
        var act = () => VideoFrameDecoderTests.DecodeAll(path, options).WaitAsync(TimeSpan.FromMinutes(2));
        var e = (await act.Should().ThrowAsync<VideoDecodingException>()).Which;
        e.Reason.Should().Be(reason, e.Message);
        e.FilePath.Should().Be(Path.GetFullPath(path));
        e.Message.Should().StartWith(Path.GetFullPath(path));
        return e;
    }

    [Fact]
    public async Task Missing_ffmpeg()
    {
        string empty = Directory.CreateDirectory(clips.NewPath("no-ffmpeg")).FullName;
        var e = await Fails(clips["h264.mp4"], VideoDecodingFailure.FfmpegNotFound, new VideoDecodingOptions { FfmpegFolder = empty });
        e.Message.Should().Contain("ffmpeg and ffprobe not found").And.Contain(empty);
    }

    [Fact]
    public async Task Ffmpeg_that_cannot_run()
    {
        string folder = Directory.CreateDirectory(clips.NewPath("broken-ffmpeg")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "ffmpeg"), "not an executable");
        await File.WriteAllTextAsync(Path.Combine(folder, "ffprobe"), "not an executable");
        (await Fails(clips["h264.mp4"], VideoDecodingFailure.FfmpegNotFound, new VideoDecodingOptions { FfmpegFolder = folder }))
            .Message.Should().Contain("could not run");
    }

    [Fact]
    public async Task Missing_file() =>
        (await Fails(clips.NewPath("absent.mp4"), VideoDecodingFailure.FileNotFound)).Message.Should().Contain("not found");

    [Fact]
    public async Task Directory_instead_of_a_file() =>
        await Fails(clips.Directory, VideoDecodingFailure.Unreadable);

    [Fact]
    public async Task Zero_length_file()
    {
        string path = clips.NewPath("zero.mp4");
        await File.WriteAllBytesAsync(path, []);
        (await Fails(path, VideoDecodingFailure.EmptyFile)).Message.Should().Contain("0 bytes");
    }

    [Fact]
    public async Task Text_file_is_not_a_video()
    {
        string path = clips.NewPath("notes.txt");
        await File.WriteAllTextAsync(path, "not a video, just some words\nover two lines\n");
        await Fails(path, VideoDecodingFailure.NotAMediaFile);
    }

    [Fact]
    public async Task Random_bytes_are_not_a_media_file()
    {
        string path = clips.NewPath("noise.mp4");
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        (await Fails(path, VideoDecodingFailure.NotAMediaFile)).Message.Should().Contain("ffprobe");
    }

    [Fact]
    public async Task Audio_only_file_has_no_video_stream() =>
        (await Fails(clips["audio.m4a"], VideoDecodingFailure.NoVideoStream)).Message.Should().Contain("1 audio stream");

    [Fact]
    public async Task Mp4_truncated_to_half_loses_its_index()
    {
        string path = clips.NewPath("half.mp4");
        var bytes = await File.ReadAllBytesAsync(clips["h264.mp4"]);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        (await Fails(path, VideoDecodingFailure.Truncated)).Message.Should().Contain("truncated");
    }

    [Fact]
    public async Task Webm_truncated_to_half_fails_after_the_cut_unless_accepted()
    {
        string path = clips.NewPath("half.webm");
        var bytes = await File.ReadAllBytesAsync(clips["vp9.webm"]);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        await Fails(path, VideoDecodingFailure.Truncated);

        var (frames, _) = await VideoFrameDecoderTests.DecodeAll(path, new VideoDecodingOptions { AcceptTruncatedFiles = true });
        frames.Should().NotBeEmpty().And.HaveCountLessThan(3);
    }
}
