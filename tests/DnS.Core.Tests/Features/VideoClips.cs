using System.Diagnostics;
using Xunit;

namespace DnS.Core.Tests.Features;

/// <summary>
/// Tiny clips generated once per test run with ffmpeg's lavfi sources into a temporary folder (deleted afterwards),
/// so the decoding tests need no checked-in media.
/// </summary>
public sealed class VideoClips : IDisposable
{
    private readonly Dictionary<string, Lazy<string>> _clips = new(StringComparer.Ordinal);

    public VideoClips()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("dns-clips-").FullName;
        const string testsrc = "testsrc2=size=96x64:rate=25:duration=3";
        Add("h264.mp4", "-f", "lavfi", "-i", testsrc, "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Add("vp9.webm", "-f", "lavfi", "-i", testsrc, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8");
        Add("h264.mkv", "-f", "lavfi", "-i", testsrc, "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Add("mpeg4.avi", "-f", "lavfi", "-i", testsrc, "-c:v", "mpeg4");
        Add("anim.gif", "-f", "lavfi", "-i", "mandelbrot=size=64x48:rate=10,trim=duration=3");
        Add("short.mp4", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Add("odd.mkv", "-f", "lavfi", "-i", "testsrc2=size=97x61:rate=10:duration=2,format=yuv444p", "-c:v", "ffv1");
        Add("long.mp4", "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=5:duration=10", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Add("minute.mp4", "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=2:duration=60", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        // Variable frame rate: 1 s of red at 10 fps, 1 s of green at 30 fps, 1 s of blue at 5 fps.
        Add("vfr.mkv", "-f", "lavfi", "-i", "color=red:s=64x48:r=10:d=1", "-f", "lavfi", "-i", "color=lime:s=64x48:r=30:d=1",
            "-f", "lavfi", "-i", "color=blue:s=64x48:r=5:d=1", "-filter_complex", "[0][1][2]concat=n=3:v=1:a=0",
            "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv444p");
        // Left half blue, right half red; "rotated.mp4" carries a 90° display matrix on the same stream.
        Add("halves.mp4", "-f", "lavfi", "-i", "color=red:s=64x32:r=5:d=1,drawbox=x=0:y=0:w=32:h=32:color=blue:t=fill",
            "-c:v", "libx264", "-pix_fmt", "yuv444p");
        _clips["rotated.mp4"] = new Lazy<string>(() =>
        {
            string path = Path.Combine(Directory, "rotated.mp4");
            Ffmpeg("-i", this["halves.mp4"], "-c", "copy", "-metadata:s:v:0", "rotate=90", path);
            return path;
        });
        // 31 frames at 10 fps, frame N has gray level 8·N: shows which source frame each sample is.
        Add("ramp.mkv", "-f", "lavfi", "-i", "color=black:s=32x32:r=10:d=3.05,format=gray,geq=lum='N*8'", "-c:v", "ffv1");
        Add("audio.m4a", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac");
        // Lossless RGB still frames for the preprocessing comparison (no YUV round trip).
        Add("still_small.nut", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=1:duration=1", "-c:v", "rawvideo", "-pix_fmt", "rgb24");
        Add("still_large.nut", "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=1:duration=1", "-c:v", "rawvideo", "-pix_fmt", "rgb24");
    }

    public string Directory { get; }

    public string this[string name] => _clips[name].Value;

    /// <summary>A fresh path in the clip folder (for per-test files).</summary>
    public string NewPath(string name) => Path.Combine(Directory, Guid.NewGuid().ToString("N")[..8] + "-" + name);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    public static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }

    /// <summary>Raw RGB24 bytes of the first frame of a clip, unscaled.</summary>
    public static byte[] FirstFrameRgb(string path)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1" })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        using var buffer = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(buffer);
        p.WaitForExit();
        return buffer.ToArray();
    }

    private void Add(string name, params string[] args) =>
        _clips[name] = new Lazy<string>(() =>
        {
            string path = Path.Combine(Directory, name);
            Ffmpeg([.. args, path]);
            return path;
        });
}

[CollectionDefinition(Name)]
public sealed class VideoClipsCollection : ICollectionFixture<VideoClips>
{
    public const string Name = "Video clips";
}
