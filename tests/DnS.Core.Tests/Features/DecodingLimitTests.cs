using System.Diagnostics;
using System.Net.Sockets;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features;

/// <summary>Inputs that used to hang or cost unbounded memory: special files, stalled tools, very long videos.</summary>
[Collection(VideoClipsCollection.Name)]
public sealed class DecodingLimitTests(VideoClips clips)
{
    // Every test here must end; a hang fails the test instead of the run.
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_fifo_named_like_a_video_is_refused_without_opening_it()
    {
        if (OperatingSystem.IsWindows()) return;
        string path = clips.NewPath("pipe.mp4");
        using (var mkfifo = Process.Start("mkfifo", [path])) await mkfifo.WaitForExitAsync();
        (await VideoDecodingErrorTests.Fails(path, VideoDecodingFailure.Unreadable)).Message.Should().Contain("is a FIFO (named pipe), not a regular file");
    }

    [Fact]
    public async Task A_device_and_a_socket_are_refused()
    {
        if (OperatingSystem.IsWindows()) return;
        string device = clips.NewPath("zero.mp4");
        File.CreateSymbolicLink(device, "/dev/zero");
        (await VideoDecodingErrorTests.Fails(device, VideoDecodingFailure.Unreadable)).Message.Should().Contain("is a character device");

        string socketPath = clips.NewPath("s.mp4");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        (await VideoDecodingErrorTests.Fails(socketPath, VideoDecodingFailure.Unreadable)).Message.Should().Contain("is a socket");
    }

    [Fact]
    public async Task The_frame_cap_is_exact_and_a_longer_video_is_refused_before_decoding()
    {
        // long.mp4: 10 s; its duration is known, so the cap is enforced from ffprobe's answer.
        int frames = (await VideoFrameDecoderTests.DecodeAll(clips["long.mp4"])).Frames.Count;
        frames.Should().Be(10);
        (await VideoFrameDecoderTests.DecodeAll(clips["long.mp4"], new VideoDecodingOptions { MaxFrames = frames })).Frames.Should().HaveCount(frames);
        (await VideoDecodingErrorTests.Fails(clips["long.mp4"], VideoDecodingFailure.TooManyFrames, new VideoDecodingOptions { MaxFrames = frames - 1 }))
            .Message.Should().Contain("lasts 10 s, 10 sampled frames, more than VideoDecodingOptions.MaxFrames = 9 allows");
    }

    [Fact]
    public async Task Without_a_known_duration_the_cap_stops_decoding_when_passed()
    {
        // A raw H.264 elementary stream has no container duration: the running count enforces the cap.
        string raw = clips.NewPath("stream.h264");
        VideoClips.Ffmpeg("-i", clips["long.mp4"], "-c", "copy", "-f", "h264", raw);
        (await VideoFrameDecoderTests.DecodeAll(raw)).Frames.Should().HaveCount(10);
        (await VideoDecodingErrorTests.Fails(raw, VideoDecodingFailure.TooManyFrames, new VideoDecodingOptions { MaxFrames = 4 }))
            .Message.Should().Contain("gives more than 4 sampled frames");
    }

    [Fact]
    public async Task A_24_hour_video_is_refused_by_the_default_cap()
    {
        // The case: a tiny 24-hour 1×1 video used to cost gigabytes of features.
        string day = clips.NewPath("day.mkv");
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "color=black:s=2x2:r=1:d=86400", "-c:v", "ffv1", day);
        (await VideoDecodingErrorTests.Fails(day, VideoDecodingFailure.TooManyFrames))
            .Message.Should().Contain($"86400 sampled frames, more than VideoDecodingOptions.MaxFrames = {VideoDecodingOptions.DefaultMaxFrames} allows");
    }

    [Theory]
    [InlineData("ffprobe")]
    [InlineData("ffmpeg")]
    public async Task A_stalled_tool_is_killed_after_the_timeout(string stalled)
    {
        if (OperatingSystem.IsWindows()) return;
        // A tool folder whose ffprobe or ffmpeg never answers (it records its pid, then sleeps); the other is the real one.
        string folder = Directory.CreateDirectory(clips.NewPath("slow-tools")).FullName;
        string pidFile = Path.Combine(folder, "pid");
        foreach (var tool in (string[])["ffprobe", "ffmpeg"])
        {
            string script = tool == stalled ? $"#!/bin/sh\necho $$ > '{pidFile}'\nexec sleep 600\n" : $"#!/bin/sh\nexec {tool} \"$@\"\n";
            string path = Path.Combine(folder, tool);
            await File.WriteAllTextAsync(path, script);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // The bound also covers the real tool's answer, so it leaves room for a loaded machine (2 s did not, at load 90).
        var options = new VideoDecodingOptions { FfmpegFolder = folder, ProcessTimeout = TimeSpan.FromSeconds(10) };
        (await VideoDecodingErrorTests.Fails(clips["h264.mp4"], VideoDecodingFailure.TimedOut, options)).Message.Should().Contain($"{stalled} ");
        int pid = int.Parse(await File.ReadAllTextAsync(pidFile));
        await WaitUntilGone(pid);
    }

    [Fact]
    public async Task A_slow_consumer_is_not_mistaken_for_a_stalled_ffmpeg()
    {
        // Only the wait for a frame counts against ProcessTimeout: here every frame is read ahead at once, and the
        // consumer then takes longer than the timeout over each one. The real ffmpeg's first frame must still come
        // within the timeout, so it is not tight (1 s failed on a loaded machine).
        var options = new VideoDecodingOptions { BatchSize = 1, ProcessTimeout = TimeSpan.FromSeconds(3) };
        int frames = 0;
        await foreach (var batch in new VideoFrameDecoder(options).DecodeAsync(clips["h264.mp4"]))
        {
            frames += batch.Count;
            await Task.Delay(TimeSpan.FromSeconds(3.5));
        }
        frames.Should().Be(3);
    }

    [Fact]
    public async Task Canceling_kills_ffmpeg()
    {
        if (OperatingSystem.IsWindows()) return;
        string folder = Directory.CreateDirectory(clips.NewPath("stuck-ffmpeg")).FullName;
        string pidFile = Path.Combine(folder, "pid");
        await File.WriteAllTextAsync(Path.Combine(folder, "ffmpeg"), $"#!/bin/sh\necho $$ > '{pidFile}'\nexec sleep 600\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "ffprobe"), "#!/bin/sh\nexec ffprobe \"$@\"\n");
        foreach (var tool in Directory.GetFiles(folder)) File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var cancel = new CancellationTokenSource();
        var options = new VideoDecodingOptions { FfmpegFolder = folder, ProcessTimeout = Timeout.InfiniteTimeSpan };
        var decode = VideoFrameDecoderTests.DecodeAll(clips["h264.mp4"], options, cancel.Token);
        using (var started = new CancellationTokenSource(Bound))
            while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile)).Length == 0) await Task.Delay(50, started.Token);
        cancel.Cancel();
        await ((Func<Task>)(() => decode.WaitAsync(Bound))).Should().ThrowAsync<OperationCanceledException>();
        await WaitUntilGone(int.Parse(await File.ReadAllTextAsync(pidFile)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-5, 1)]
    [InlineData(10, 0)]
    [InlineData(10, -1)]
    public void Limits_are_validated(int maxFrames, int timeoutSeconds)
    {
        var options = new VideoDecodingOptions { MaxFrames = maxFrames, ProcessTimeout = TimeSpan.FromSeconds(timeoutSeconds) };
        ((Action)(() => new VideoFrameDecoder(options))).Should().Throw<ArgumentOutOfRangeException>()
            .Which.ParamName.Should().Be(maxFrames < 1 ? "MaxFrames" : "ProcessTimeout");
    }

    // The killed child is reaped by the runtime; poll (bounded) until its pid is gone.
    private static async Task WaitUntilGone(int pid)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (IsRunning(pid))
            await Task.Delay(50, bound.Token);
    }

    // Running: its /proc entry exists and is not a zombie. The entry can vanish between any two reads (the runtime reaps
    // the child meanwhile): reading it then fails with ENOENT or ESRCH, which means gone.
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
