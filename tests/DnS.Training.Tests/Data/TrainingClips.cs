using System.Diagnostics;
using Xunit;

namespace DnS.Training.Tests.Data;

/// <summary>
/// Tiny clips made once per run with ffmpeg's lavfi sources in a temporary folder (deleted afterwards): a test
/// pattern, a re-encoded smaller copy of it, two unrelated videos, and a corrupt file.
/// </summary>
public sealed class TrainingClips : IDisposable
{
    public TrainingClips()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("dns-training-clips-").FullName;
        Pattern = Make("pattern.mp4", "-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10:duration=4", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Copy = Make("copy.mp4", "-i", Pattern, "-vf", "scale=96x72,eq=brightness=0.05", "-c:v", "libx264", "-crf", "35", "-pix_fmt", "yuv420p");
        Fractal = Make("fractal.mp4", "-f", "lavfi", "-i", "mandelbrot=size=128x96:rate=10,trim=duration=4", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Life = Make("life.mp4", "-f", "lavfi", "-i", "life=size=128x96:rate=10:mold=10:seed=3,trim=duration=4", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        Corrupt = Path.Combine(Directory, "corrupt.mp4");
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(Corrupt, garbage);
    }

    public string Directory { get; }

    public string Pattern { get; }

    public string Copy { get; }

    public string Fractal { get; }

    public string Life { get; }

    public string Corrupt { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private string Make(string name, params string[] args)
    {
        string path = Path.Combine(Directory, name);
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args).Append(path)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {errors}");
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class TrainingClipsCollection : ICollectionFixture<TrainingClips>
{
    public const string Name = "training clips";
}
