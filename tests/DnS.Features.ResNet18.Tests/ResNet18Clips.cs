using DnS.Core.Tests.Features;
using Xunit;

namespace DnS.Features.ResNet18.Tests;

/// <summary>
/// Clips generated once per test run with ffmpeg into a temporary folder (deleted afterwards): a source, two edited
/// copies of it and an unrelated clip.
/// </summary>
public sealed class ResNet18Clips : IDisposable
{
    public ResNet18Clips()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("dns-resnet18-").FullName;
        Source = Path.Combine(Directory, "source.mp4");
        Mirrored = Path.Combine(Directory, "mirrored.mkv");
        Reencoded = Path.Combine(Directory, "reencoded.webm");
        Unrelated = Path.Combine(Directory, "unrelated.mp4");
        Other = Path.Combine(Directory, "other.avi");
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25,trim=duration=8", "-c:v", "libx264", "-pix_fmt", "yuv420p", Source);
        VideoClips.Ffmpeg("-i", Source, "-vf", "hflip", "-c:v", "libx264", "-crf", "30", "-pix_fmt", "yuv420p", Mirrored);
        VideoClips.Ffmpeg("-i", Source, "-vf", "scale=160:120", "-c:v", "libvpx-vp9", "-b:v", "60k", "-deadline", "realtime", "-cpu-used", "8", Reencoded);
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=8", "-c:v", "libx264", "-pix_fmt", "yuv420p", Unrelated);
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "life=size=320x240:rate=25:mold=10:ratio=0.3:seed=7,trim=duration=5", "-c:v", "mpeg4", Other);
    }

    public string Directory { get; }

    /// <summary>8 s of a Mandelbrot zoom, 320×240 H.264.</summary>
    public string Source { get; }

    /// <summary>The source mirrored left-right and re-encoded.</summary>
    public string Mirrored { get; }

    /// <summary>The source at half size, re-encoded at 60 kbit/s VP9.</summary>
    public string Reencoded { get; }

    /// <summary>8 s of ffmpeg's testsrc2 pattern.</summary>
    public string Unrelated { get; }

    /// <summary>5 s of Conway's game of life, MPEG-4 in AVI.</summary>
    public string Other { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class ResNet18ClipsCollection : ICollectionFixture<ResNet18Clips>
{
    public const string Name = "ResNet-18 clips";
}
