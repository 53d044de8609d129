using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using DnS.Core.Features.Decoding;

namespace DnS.Benchmarks.Features;

/// <summary>
/// Decoding throughput of <see cref="VideoFrameDecoder"/> on a generated 60 s, 30 fps H.264 clip (testsrc2) at
/// 640×360 and 1280×720, sampled at 1 fps (60 frames per run): each resize method, including ffmpeg's decode of
/// every source frame. Divide 60 by the mean time for sampled frames/s.
/// </summary>
public class DecodingBenchmarks
{
    private string _dir = "";
    private string _clip = "";
    private VideoFrameDecoder _decoder = null!;

    [Params("640x360", "1280x720")]
    public string Size { get; set; } = "640x360";

    [Params(ResizeMethod.Reference, ResizeMethod.Ffmpeg)]
    public ResizeMethod Method { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("dns-bench-").FullName;
        _clip = Path.Combine(_dir, "clip.mp4");
        var info = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={Size}:rate=30:duration=60",
                     "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", _clip })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed to generate the benchmark clip: " + err);
        _decoder = new VideoFrameDecoder(new VideoDecodingOptions { Resize = Method });
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Returns the sampled frame count (60).</summary>
    [Benchmark(Description = "decode 60 s @ 1 fps")]
    public async Task<int> Decode()
    {
        int frames = 0;
        await foreach (var batch in _decoder.DecodeAsync(_clip)) frames += batch.Count;
        return frames;
    }
}
