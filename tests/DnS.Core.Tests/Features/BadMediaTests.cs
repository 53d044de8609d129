using System.Diagnostics;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features;

/// <summary>
/// The bad-media suite: files of many kinds, generated here with ffmpeg or written byte by byte. Each must decode or
/// fail with a <see cref="VideoDecodingException"/> naming the file, within a bounded time — no hang, no other
/// exception. The outcome of every kind is printed as the table of docs/reliability.md ("Bad media").
/// </summary>
[Collection(VideoClipsCollection.Name)]
public sealed class BadMediaTests(VideoClips clips, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>A kind of file: how to make it, and the outcomes it may have ("ok" = decodes, else a failure reason).</summary>
    private sealed record Kind(string Name, Func<string, string> Make, params string[] Expected);

    [Fact]
    public async Task Every_kind_decodes_or_fails_naming_the_file()
    {
        bool root = Environment.UserName == "root";
        var kinds = new List<Kind>
        {
            new("empty file (0 bytes)", p => Write(p, []), "EmptyFile"),
            new("one byte", p => Write(p, [0]), "NotAMediaFile"),
            new("4 KB of zeros", p => Write(p, new byte[4096]), "NotAMediaFile"),
            new("random bytes named .mp4", p => Write(p, Noise(65536, 1)), "NotAMediaFile"),
            new("text file named .mp4", p => Write(p, "not a video\nat all\n"u8.ToArray()), "NotAMediaFile"),
            new("text file .txt (ffmpeg's tty demuxer)", p => Write(Path.ChangeExtension(p, ".txt"), "hello\nworld\n"u8.ToArray()), "NotAMediaFile"),
            new("HTML page named .mp4", p => Write(p, "<!DOCTYPE html><html><body>404 Not Found</body></html>\n"u8.ToArray()), "NotAMediaFile"),
            new("zip archive named .mp4", p => Zip(p), "NotAMediaFile"),
            new("gzip of an mp4", p => Gzip(p), "NotAMediaFile"),
            new("mp4 cut to 32 bytes (ftyp only)", p => Cut(p, "h264.mp4", 32), "Truncated", "NotAMediaFile"),
            new("mp4 cut at 10 %", p => CutFraction(p, "h264.mp4", 0.10), "Truncated"),
            new("mp4 cut at 50 %", p => CutFraction(p, "h264.mp4", 0.50), "Truncated"),
            new("mp4 cut at 90 %", p => CutFraction(p, "h264.mp4", 0.90), "Truncated"),
            new("mp4 cut 1 byte short", p => Cut(p, "h264.mp4", new FileInfo(clips["h264.mp4"]).Length - 1), "Truncated", "ok"),
            new("faststart mp4 cut at 50 %", p => CutFraction(p, Faststart(), 0.50), "Truncated", "ok"),
            new("mp4 with its first 1 KB zeroed", p => Zeroed(p, "h264.mp4", 1024), "NotAMediaFile", "Truncated"),
            new("mp4 with every 97th byte flipped", p => Flipped(p, "h264.mp4"), "ok", "DecodeFailed", "NotAMediaFile", "Truncated"),
            new("WebM cut at 50 %", p => CutFraction(p, "vp9.webm", 0.50), "ok", "Truncated"),
            new("AVI cut at 50 %", p => CutFraction(p, "mpeg4.avi", 0.50), "ok", "Truncated"),
            new("MKV cut at 50 %", p => CutFraction(p, "h264.mkv", 0.50), "ok", "Truncated"),
            new("audio only (.m4a)", p => Copy(p, clips["audio.m4a"], ".m4a"), "NoVideoStream"),
            new("audio only named .mp4", p => Copy(p, clips["audio.m4a"], ".mp4"), "NoVideoStream"),
            new("subtitles only (.srt named .mkv)", p => Write(p, "1\n00:00:00,000 --> 00:00:01,000\nhello\n\n"u8.ToArray()), "NoVideoStream", "NotAMediaFile"),
            new("PNG still image", p => Ffmpeg(Path.ChangeExtension(p, ".png"), "-f", "lavfi", "-i", "testsrc2=s=64x48", "-frames:v", "1"), "ok"),
            new("PNG named .mp4", p => Copy(p, Ffmpeg(Path.ChangeExtension(p, ".png"), "-f", "lavfi", "-i", "testsrc2=s=64x48", "-frames:v", "1"), ".mp4"), "ok"),
            new("JPEG still image", p => Ffmpeg(Path.ChangeExtension(p, ".jpg"), "-f", "lavfi", "-i", "testsrc2=s=64x48", "-frames:v", "1"), "ok"),
            new("1×1 video", p => Ffmpeg(Path.ChangeExtension(p, ".mkv"), "-f", "lavfi", "-i", "color=red:s=16x16:r=5:d=2,format=rgb24,scale=1:1", "-c:v", "ffv1"), "ok"),
            new("single-frame (0-duration) mp4", p => Ffmpeg(p, "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25", "-frames:v", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p"), "ok"),
            new("mp4 with a video stream of 0 frames", p => Ffmpeg(p, "-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=1", "-t", "0", "-c:v", "libx264", "-pix_fmt", "yuv420p"), "NoVideoStream"),
            new("Y4M header claiming 60000×60000", p => Write(Path.ChangeExtension(p, ".y4m"), [.. "YUV4MPEG2 W60000 H60000 F25:1 C420jpeg\nFRAME\n"u8.ToArray(), .. new byte[1024]]), "DecodeFailed", "NotAMediaFile", "Truncated"),
            new("Y4M with a truncated frame", p => Write(Path.ChangeExtension(p, ".y4m"), [.. "YUV4MPEG2 W64 H48 F25:1 C420jpeg\nFRAME\n"u8.ToArray(), .. new byte[100]]), "DecodeFailed", "NotAMediaFile", "Truncated"),
            new("mp4 content named .avi", p => Copy(p, clips["h264.mp4"], ".avi"), "ok"),
            new("MKV content named .mp4", p => Copy(p, clips["h264.mkv"], ".mp4"), "ok"),
            new("GIF named .mp4", p => Copy(p, clips["anim.gif"], ".mp4"), "ok"),
            new("file without extension", p => Copy(p, clips["h264.mp4"], ""), "ok"),
            new("directory named x.mp4", p => Directory.CreateDirectory(p).FullName, "Unreadable"),
            new("missing file", p => p, "FileNotFound"),
            new("dangling symlink", p => Link(p, Path.Combine(clips.Directory, "nowhere.mp4")), "FileNotFound"),
            new("symlink to a good video", p => Link(p, clips["h264.mp4"]), "ok"),
            new("symlink loop (a → b → a)", p => { Link(p + ".b.mp4", p); return Link(p, p + ".b.mp4"); }, "Unreadable"),
            new("FIFO named .mp4", p => Fifo(p), "Unreadable"),
            new("character device (/dev/zero) named .mp4", p => Link(p, "/dev/zero"), "Unreadable"),
            new("Unix socket named .mp4", p => Socket(p), "Unreadable"),
            new($"file with mode 000 ({(root ? "readable by root: decodes" : "unreadable")})", p => NoAccess(p), root ? "ok" : "Unreadable"),
            new("24-hour 2×2 video (frame cap)", p => Ffmpeg(Path.ChangeExtension(p, ".mkv"), "-f", "lavfi", "-i", "color=black:s=2x2:r=1:d=86400", "-c:v", "ffv1"), "TooManyFrames"),
        };
        kinds.Should().HaveCountGreaterThanOrEqualTo(30);

        var rows = new List<string> { "| kind | outcome |", "|---|---|" };
        var surprises = new List<string>();
        foreach (var kind in kinds)
        {
            string path = Path.GetFullPath(kind.Make(clips.NewPath("bad.mp4")));
            string outcome;
            try
            {
                var (frames, _) = await VideoFrameDecoderTests.DecodeAll(path, new VideoDecodingOptions { ProcessTimeout = TimeSpan.FromSeconds(30) }).WaitAsync(Bound);
                frames.Should().NotBeEmpty(kind.Name);
                outcome = "ok";
                rows.Add($"| {kind.Name} | decodes ({frames.Count} frame{(frames.Count == 1 ? "" : "s")}) |");
            }
            catch (VideoDecodingException e)
            {
                e.FilePath.Should().Be(path, kind.Name);
                e.Message.Should().StartWith(path, kind.Name);
                outcome = e.Reason.ToString();
                rows.Add($"| {kind.Name} | {e.Reason}: {Describe(e, path)} |");
            }
            if (!kind.Expected.Contains(outcome)) surprises.Add($"{kind.Name}: {outcome}, expected {string.Join(" or ", kind.Expected)}");
        }
        output.WriteLine(string.Join('\n', rows));
        surprises.Should().BeEmpty();
    }

    // The message without the path and ffmpeg's variable details, for the table.
    private static string Describe(VideoDecodingException e, string path)
    {
        string message = e.Message[(path.Length + 2)..];
        int detail = message.IndexOfAny(['(', ':']);
        return (detail > 0 ? message[..detail] : message).Trim().Replace("|", "/");
    }

    private string Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private string Copy(string path, string from, string extension)
    {
        string target = Path.ChangeExtension(path, extension.Length == 0 ? null : extension);
        File.Copy(from, target);
        return target;
    }

    private string Cut(string path, string clip, long keep) => Write(path, File.ReadAllBytes(clip.Contains('/') ? clip : clips[clip])[..(int)keep]);

    private string CutFraction(string path, string clip, double fraction)
    {
        string source = clip.Contains('/') ? clip : clips[clip];
        string target = Path.ChangeExtension(path, Path.GetExtension(source));
        return Cut(target, source, (long)(new FileInfo(source).Length * fraction));
    }

    private string Zeroed(string path, string clip, int count)
    {
        var bytes = File.ReadAllBytes(clips[clip]);
        Array.Clear(bytes, 0, count);
        return Write(path, bytes);
    }

    private string Flipped(string path, string clip)
    {
        var bytes = File.ReadAllBytes(clips[clip]);
        for (int i = 64; i < bytes.Length; i += 97) bytes[i] ^= 0xFF;
        return Write(path, bytes);
    }

    private string Faststart()
    {
        string path = clips.NewPath("faststart.mp4");
        VideoClips.Ffmpeg("-i", clips["h264.mp4"], "-c", "copy", "-movflags", "+faststart", path);
        return path;
    }

    private string Zip(string path)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            zip.CreateEntryFromFile(clips["h264.mp4"], "video.mp4");
        return path;
    }

    private string Gzip(string path)
    {
        using (var target = File.Create(path))
        using (var gzip = new GZipStream(target, CompressionLevel.Fastest))
        using (var source = File.OpenRead(clips["h264.mp4"]))
            source.CopyTo(gzip);
        return path;
    }

    private static string Ffmpeg(string path, params string[] args)
    {
        VideoClips.Ffmpeg([.. args, path]);
        return path;
    }

    private static string Link(string path, string target)
    {
        File.CreateSymbolicLink(path, target);
        return path;
    }

    private static string Fifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        return path;
    }

    // The socket stays bound until the test process ends; the file is what matters.
    private static readonly List<Socket> Sockets = [];

    private static string Socket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        Sockets.Add(socket);
        return path;
    }

    private string NoAccess(string path)
    {
        File.Copy(clips["h264.mp4"], path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
        return path;
    }
}
