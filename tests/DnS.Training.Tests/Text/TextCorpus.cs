using System.Diagnostics;
using DnS.Core.Text;
using DnS.Training.Text;

namespace DnS.Training.Tests.Text;

/// <summary>
/// Ten lavfi clips of 3–6 s made with ffmpeg (deleted afterwards), decoded at 2 fps and embedded with
/// ../shared/golden-text's tiny CLIP, plus twenty text queries and three captions per clip embedded with its text tower:
/// the real inputs of the text trainers, shared by the text tests.
/// </summary>
public sealed class TextCorpus : IDisposable
{
    private static readonly (string Name, string Source, string[] Captions)[] Sources =
    [
        ("testsrc2", "testsrc2=size=160x120:rate=10:duration=4", ["a test pattern with a moving counter", "colored bars and a clock", "a broadcast test card"]),
        ("mandelbrot", "mandelbrot=size=160x120:rate=10,trim=duration=5", ["a zoom into the mandelbrot fractal", "a colorful fractal", "swirling fractal patterns"]),
        ("life", "life=size=160x120:rate=10:mold=10:ratio=0.5:seed=3:life_color=#ff8800:death_color=#002040,trim=duration=6", ["orange cells of the game of life", "a cellular automaton on blue", "growing and dying cells"]),
        ("smptebars", "smptehdbars=size=160x120:rate=10:duration=3,hue=H=2*PI*t/3", ["color bars changing hue", "rainbow television bars", "a shifting test signal"]),
        ("cellauto", "cellauto=size=160x120:rate=10:rule=110:seed=5,trim=duration=4", ["rule 110 scrolling down", "black and white triangles", "an elementary automaton"]),
        ("gradients", "gradients=size=160x120:rate=10:speed=0.05:seed=11:duration=5", ["a smooth moving gradient", "soft blending colors", "a slowly turning color fade"]),
        ("red-blue", "color=c=red:size=160x120:rate=10:duration=2[a];color=c=blue:size=160x120:rate=10:duration=2[b];[a][b]concat=n=2:v=1", ["a red screen turning blue", "red then blue", "two solid colors"]),
        ("noise", "nullsrc=size=160x120:rate=10:duration=4,geq=random(1)*255:128:128", ["green and pink static", "noisy video", "random snow"]),
        ("rgbtest", "rgbtestsrc=size=160x120:rate=10:duration=3", ["red green and blue stripes", "a primary color test", "three vertical bands"]),
        ("sierpinski", "sierpinski=size=160x120:rate=10,trim=duration=4", ["a moving sierpinski carpet", "a self-similar square pattern", "nested squares sliding"]),
    ];

    /// <summary>Twenty text queries, as a user's query file would hold them.</summary>
    public static readonly string[] QueryTexts =
    [
        "a dog running on the beach", "colored bars", "a fractal zoom", "snow falling at night", "a red car",
        "orange dots on a dark background", "rainbow stripes", "a person talking", "circles", "a sunset over the sea",
        "static noise", "a game of life", "white triangles", "a blue screen", "a clock counting",
        "fireworks", "a green field", "smooth gradients", "a city street", "waves",
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("dns-text-").FullName;

    public TextCorpus()
    {
        using var clip = ClipModel.Open(ModelFolder, new ClipModelOptions { FramesPerSecond = 2 });
        var ids = new List<string>();
        var frames = new List<float[]>();
        var captions = new List<string>();
        var captionVideos = new List<int>();
        foreach (var (name, source, sentences) in Sources)
        {
            string path = Path.Combine(_folder, name + ".mp4");
            Ffmpeg("-f", "lavfi", "-i", source, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path);
            frames.Add(clip.EncodeFileAsync(path).GetAwaiter().GetResult());
            foreach (string sentence in sentences)
            {
                captions.Add(sentence);
                captionVideos.Add(ids.Count);
            }
            ids.Add(name);
        }
        Dims = clip.EmbeddingDimension;
        Videos = new FrameEmbeddingSource(ids, frames, Dims);
        Queries = clip.EncodeText(QueryTexts);
        Captions = clip.EncodeText(captions);
        CaptionVideos = [.. captionVideos];
        Temperature = 1f / clip.LogitScale!.Value;
    }

    public static string ModelFolder { get; } = Path.Combine(SharedData.Root, "golden-text");

    public int Dims { get; }

    public FrameEmbeddingSource Videos { get; }

    /// <summary>The queries' normalized embeddings, 20×D.</summary>
    public float[] Queries { get; }

    /// <summary>Three captions per video, normalized, 30×D; caption c describes video <see cref="CaptionVideos"/>[c].</summary>
    public float[] Captions { get; }

    public int[] CaptionVideos { get; }

    /// <summary>The tiny CLIP's 1 / logit scale.</summary>
    public float Temperature { get; }

    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(_folder, name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    private static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
