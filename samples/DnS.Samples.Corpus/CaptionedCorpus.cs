using System.Globalization;
using System.Text.Json;

namespace DnS.Samples.Corpus;

/// <summary>
/// A small captioned video corpus for text-to-video search: each clip is drawn by ffmpeg from a known recipe (solid
/// colors, color bars, a test pattern, a square moving left or right, a word drawn with drawtext, a fractal, noise), so
/// what it shows is known from how it was made, and <see cref="CaptionsPath"/> describes it in the form
/// <c>{video_id: [sentences]}</c> that <c>dns eval --captions</c> reads.
/// </summary>
public sealed class CaptionedCorpus
{
    private const string Size = "160x120";
    private const string Rate = "10";

    // id, lavfi graph (its output is the clip), captions.
    private static readonly (string Id, string Graph, string[] Captions)[] Recipes =
    [
        ("red", "color=c=red:s=" + Size, ["a red screen", "a plain red picture"]),
        ("blue", "color=c=blue:s=" + Size, ["a blue screen", "a plain blue picture"]),
        ("green", "color=c=green:s=" + Size, ["a green screen", "a plain green picture"]),
        ("bars", "smptebars=s=" + Size, ["television color bars", "a test card with vertical colored stripes"]),
        ("pattern", "testsrc=s=" + Size, ["a test pattern with a counting number", "a colorful test pattern"]),
        ("square-left", Moving("W-w-t*30"), ["a white square moving left", "a small white box sliding to the left on black"]),
        ("square-right", Moving("t*30"), ["a white square moving right", "a small white box sliding to the right on black"]),
        ("hello", "color=c=black:s=" + Size + ",drawtext=text=HELLO:fontsize=40:fontcolor=white:x=(w-tw)/2:y=(h-th)/2" + FontFile(),
            ["the word hello written in white on black", "white text saying hello"]),
        ("fractal", "mandelbrot=s=" + Size, ["a colorful fractal", "a zoom into the mandelbrot set"]),
        ("noise", "nullsrc=s=" + Size + ",geq=lum='random(1)*255':cb=128:cr=128", ["gray random noise", "television static"]),
    ];

    private CaptionedCorpus(string directory, IReadOnlyDictionary<string, string> videos, IReadOnlyDictionary<string, string[]> captions)
    {
        Directory = directory;
        Videos = videos;
        Captions = captions;
    }

    /// <summary>The folder holding the clips and the captions file.</summary>
    public string Directory { get; }

    /// <summary>Video id → clip path (the id is the file name without extension).</summary>
    public IReadOnlyDictionary<string, string> Videos { get; }

    /// <summary>Video id → its captions.</summary>
    public IReadOnlyDictionary<string, string[]> Captions { get; }

    /// <summary>The captions file, <c>{video_id: [sentences]}</c>.</summary>
    public string CaptionsPath => Path.Combine(Directory, "captions.json");

    /// <summary>Generates the clips (<paramref name="seconds"/> long, 160×120 at 10 fps, H.264) and the captions file into <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is missing or fails.</exception>
    public static async Task<CaptionedCorpus> GenerateAsync(string directory, int seconds = 4, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var videos = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, graph, _) in Recipes)
        {
            string path = Path.Combine(directory, id + ".mp4");
            await SyntheticCorpus.RunFfmpegAsync(["-f", "lavfi", "-i", $"{graph},fps={Rate},format=yuv420p",
                "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "veryfast", "-an", path], cancellationToken);
            videos[id] = path;
        }
        var captions = Recipes.ToDictionary(r => r.Id, r => r.Captions, StringComparer.Ordinal);
        var corpus = new CaptionedCorpus(directory, videos, captions);
        await File.WriteAllTextAsync(corpus.CaptionsPath, JsonSerializer.Serialize(captions, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        return corpus;
    }

    // A 24×24 white square crossing a black frame; x is an overlay expression of t (seconds).
    private static string Moving(string x) =>
        $"color=c=black:s={Size}:r={Rate}[bg];color=c=white:s=24x24:r={Rate}[fg];[bg][fg]overlay=x='{x}':y=(H-h)/2:eval=frame";

    // DejaVu Sans where Debian/Ubuntu put it (fonts-dejavu-core); otherwise fontconfig's default font.
    private static string FontFile()
    {
        const string dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        return File.Exists(dejaVu) ? ":fontfile=" + dejaVu : "";
    }
}
