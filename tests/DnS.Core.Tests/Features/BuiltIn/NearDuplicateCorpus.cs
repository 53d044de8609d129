using System.Diagnostics;
using DnS.Core.Features;

namespace DnS.Core.Tests.Features.BuiltIn;

/// <summary>
/// A small near-duplicate video corpus made with ffmpeg's synthetic sources: 12 source videos (6 s,
/// several from the same generator family as hard negatives), each with 6 transformed copies
/// (crop, down-scale + noise, color shift, blur, mirror, logo), decoded at 1 fps and preprocessed
/// like the paper's frames (short side 256 bicubic, center crop 224, ImageNet normalization).
/// </summary>
internal static class NearDuplicateCorpus
{
    public const int Side = 224;

    private static readonly string[] Sources =
    [
        // Every source is deterministic (ffmpeg 5.1's "gradients" is not, even seeded).
        "life=s=320x240:r=5:seed=1:mold=10:ratio=0.3",
        "life=s=320x240:r=5:seed=2:mold=10:ratio=0.3",
        "life=s=320x240:r=5:seed=3:mold=10:ratio=0.3",
        "cellauto=s=320x240:r=5:rule=30:random_seed=1",
        "cellauto=s=320x240:r=5:rule=110:random_seed=2",
        "cellauto=s=320x240:r=5:rule=90:random_seed=3",
        "sierpinski=s=320x240:r=5:seed=1",
        "sierpinski=s=320x240:r=5:seed=2",
        "mandelbrot=s=320x240:r=5:maxiter=200:start_x=-0.74:start_y=0.1",
        "mandelbrot=s=320x240:r=5:maxiter=200:start_x=-1.25:start_y=0.05",
        "testsrc2=s=320x240:r=5",
        "testsrc=s=320x240:r=5",
    ];

    /// <summary>Transform names and filters; the first is the untouched original (the query).</summary>
    public static readonly (string Name, string Filter)[] Transforms =
    [
        ("original", "null"),
        ("crop80", "crop=iw*0.8:ih*0.8"),
        ("downscale+noise", "scale=160:120,noise=alls=12:allf=t:all_seed=7"),
        ("color", "eq=brightness=0.06:contrast=1.25:saturation=1.4"),
        ("blur", "gblur=sigma=2"),
        ("mirror", "hflip"),
        ("logo", "drawbox=x=24:y=24:w=96:h=64:color=white@0.85:t=fill"),
    ];

    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    public static int SourceCount => Sources.Length;

    /// <summary>Every video, indexed [source][transform], as one preprocessed frame batch each.</summary>
    public static FrameBatch[][] Generate(string directory)
    {
        var videos = new FrameBatch[Sources.Length][];
        for (int s = 0; s < Sources.Length; s++)
        {
            RunFfmpeg(Sources[s], directory, s);
            videos[s] = new FrameBatch[Transforms.Length];
            for (int t = 0; t < Transforms.Length; t++)
                videos[s][t] = Load(Path.Combine(directory, $"{s}_{t}.rgb"));
        }

        return videos;
    }

    // One ffmpeg run per source: split the 1-fps stream into every transform and write raw RGB.
    private static void RunFfmpeg(string source, string directory, int index)
    {
        var graph = new List<string> { $"[0:v]fps=1,split={Transforms.Length}" + string.Concat(Transforms.Select((_, t) => $"[s{t}]")) };
        for (int t = 0; t < Transforms.Length; t++)
            graph.Add($"[s{t}]{Transforms[t].Filter},scale=-2:256:flags=bicubic,crop={Side}:{Side},format=rgb24[o{t}]");
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-v", "error", "-y", "-f", "lavfi", "-t", "6", "-i", source, "-filter_complex", string.Join(";", graph) })
            info.ArgumentList.Add(arg);
        for (int t = 0; t < Transforms.Length; t++)
            foreach (string arg in new[] { "-map", $"[o{t}]", "-f", "rawvideo", Path.Combine(directory, $"{index}_{t}.rgb") })
                info.ArgumentList.Add(arg);

        using Process process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg failed for '{source}': {errors}");
    }

    private static FrameBatch Load(string path)
    {
        byte[] raw = File.ReadAllBytes(path);
        int plane = Side * Side;
        int count = raw.Length / (3 * plane);
        var pixels = new float[count * 3 * plane];
        for (int n = 0; n < count; n++)
            for (int i = 0; i < plane; i++)
                for (int c = 0; c < 3; c++)
                    pixels[(n * 3 + c) * plane + i] = (raw[(n * plane + i) * 3 + c] / 255f - Mean[c]) / Std[c];
        return new FrameBatch(pixels, count, Side, Side, 0);
    }
}
