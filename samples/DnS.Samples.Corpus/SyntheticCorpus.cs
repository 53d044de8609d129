using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DnS.Core.Evaluation;

namespace DnS.Samples.Corpus;

/// <summary>
/// A near-duplicate retrieval corpus made with ffmpeg's synthetic sources, for trying and measuring the library
/// without any data set: source clips, copies of each under real-world edits (crop, re-encode at low quality,
/// mirror, color change, text overlay, speed change, picture-in-picture, GIF conversion) in several containers
/// (MP4/H.264, WebM/VP9, MKV, AVI/MPEG-4, GIF), and distractors from the same generator families. The ground truth
/// is written as a FIVR-style <c>annotation.json</c> (each source's copies labeled ND), so <see cref="FivrEvaluator"/>
/// and <c>dns eval</c> score runs on it. Generation is cached: an existing corpus with the same options is reused.
/// </summary>
public sealed class SyntheticCorpus
{
    /// <summary>The transform name of the untouched source clips (the queries).</summary>
    public const string OriginalTransform = "original";

    /// <summary>The transform name of distractors.</summary>
    public const string DistractorTransform = "distractor";

    private const string ManifestFile = "corpus.json";
    private const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    // Moving, deterministic generators; each clip also gets its own hue so families are not trivially alike.
    private static readonly string[] Families =
    [
        "life=s=320x240:r=10:seed={0}:mold=10:ratio=0.3",
        "cellauto=s=320x240:r=10:rule={1}:random_seed={0}",
        "mandelbrot=s=320x240:r=10:maxiter=160:start_x=-0.{2}:start_y=0.1{0}",
        "sierpinski=s=320x240:r=10:seed={0}",
        "testsrc2=s=320x240:r=10,rotate=a=t*0.{0}",
    ];

    // name → (extension, filter or null for picture-in-picture, encoder arguments).
    private static readonly (string Name, string Extension, string Filter, string[] Encoder)[] TransformTable =
    [
        ("crop", "mp4", "crop=iw*0.75:ih*0.75", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]),
        ("reencode", "mp4", "scale=160:-2", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "38"]),
        ("mirror", "webm", "hflip", ["-c:v", "libvpx-vp9", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"]),
        ("color", "mkv", "eq=brightness=0.08:contrast=1.3:saturation=1.5", ["-c:v", "libx264", "-preset", "veryfast"]),
        ("text", "mp4", File.Exists(FontFile)
            ? $"drawtext=fontfile={FontFile}:text='COPY 2026':fontsize=30:fontcolor=white:box=1:boxcolor=black@0.6:x=12:y=h-48"
            : "drawbox=x=12:y=ih-48:w=180:h=36:color=black@0.6:t=fill", ["-c:v", "libx264", "-preset", "veryfast"]),
        ("speed", "avi", "setpts=0.75*PTS", ["-c:v", "mpeg4", "-q:v", "5"]),
        ("pip", "mp4", "", ["-c:v", "libx264", "-preset", "veryfast"]),
        ("gif", "gif", "fps=5,scale=200:-1", []),
    ];

    private SyntheticCorpus(string directory, IReadOnlyList<CorpusVideo> videos)
    {
        Directory = directory;
        Videos = videos;
    }

    /// <summary>Every transform this generator knows.</summary>
    public static IReadOnlyList<string> TransformNames { get; } = TransformTable.Select(t => t.Name).ToArray();

    /// <summary>The corpus folder.</summary>
    public string Directory { get; }

    /// <summary>Every video: queries, copies and distractors.</summary>
    public IReadOnlyList<CorpusVideo> Videos { get; }

    /// <summary>The queries (one per source).</summary>
    public IEnumerable<CorpusVideo> Queries => Videos.Where(v => v.IsQuery);

    /// <summary>The FIVR-style ground truth: <c>{query: {"ND": [copies]}}</c>.</summary>
    public string AnnotationPath => Path.Combine(Directory, "annotation.json");

    /// <summary>Generates the corpus in <paramref name="directory"/>, or loads it when one with the same options is there.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is missing or failed (its error output is in the message).</exception>
    /// <exception cref="ArgumentException">An option is invalid (<see cref="SyntheticCorpusOptions.Validate"/>).</exception>
    public static async Task<SyntheticCorpus> GenerateAsync(string directory, SyntheticCorpusOptions? options = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new SyntheticCorpusOptions();
        options.Validate();
        directory = Path.GetFullPath(directory);
        var transforms = (options.Transforms ?? TransformNames).Select(name => TransformTable.First(t => t.Name == name)).ToArray();
        string fingerprint = JsonSerializer.Serialize(new { options.Sources, options.Distractors, options.Seconds, options.FirstClip, Transforms = transforms.Select(t => t.Name) });
        string manifestPath = Path.Combine(directory, ManifestFile);
        if (File.Exists(manifestPath))
        {
            var cached = JsonSerializer.Deserialize<CachedCorpus>(await File.ReadAllTextAsync(manifestPath, cancellationToken));
            if (cached is not null && cached.Fingerprint == fingerprint && cached.Videos.All(v => File.Exists(v.Path)))
                return new SyntheticCorpus(directory, cached.Videos);
        }
        System.IO.Directory.CreateDirectory(directory);

        var videos = new List<CorpusVideo>();
        int clips = options.Sources + options.Distractors;
        for (int clip = 0; clip < clips; clip++)
        {
            bool isSource = clip < options.Sources;
            string id = isSource ? $"query{clip:D2}" : $"distractor{clip - options.Sources:D2}";
            string path = Path.Combine(directory, id + ".mp4");
            progress?.Report(id);
            await RunFfmpegAsync(["-f", "lavfi", "-t", options.Seconds.ToString(CultureInfo.InvariantCulture), "-i", SourceGraph(options.FirstClip + clip),
                "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", path], cancellationToken);
            videos.Add(new CorpusVideo(id, path, id, isSource ? OriginalTransform : DistractorTransform));
            if (!isSource) continue;
            foreach (var t in transforms)
            {
                string copyId = $"{id}_{t.Name}";
                string copyPath = Path.Combine(directory, $"{copyId}.{t.Extension}");
                progress?.Report(copyId);
                string[] input = t.Name == "pip"
                    // Picture-in-picture: the source shrunk onto another moving background.
                    ? ["-f", "lavfi", "-t", options.Seconds.ToString(CultureInfo.InvariantCulture), "-i", "cellauto=s=320x240:r=10:rule=150:random_seed=99",
                       "-i", path, "-filter_complex", "[1:v]scale=200:-2[s];[0:v][s]overlay=60:50:shortest=1,format=yuv420p"]
                    : ["-i", path, "-vf", t.Extension == "gif" ? t.Filter : t.Filter + ",format=yuv420p"];
                await RunFfmpegAsync([.. input, .. t.Encoder, "-an", copyPath], cancellationToken);
                videos.Add(new CorpusVideo(copyId, copyPath, id, t.Name));
            }
        }
        var corpus = new SyntheticCorpus(directory, videos);
        await corpus.WriteAnnotationAsync(cancellationToken);
        await File.WriteAllTextAsync(manifestPath, JsonSerializer.Serialize(new CachedCorpus(fingerprint, videos)), cancellationToken);
        return corpus;
    }

    private static string SourceGraph(int clip)
    {
        string family = string.Format(CultureInfo.InvariantCulture, Families[clip % Families.Length], clip + 1, 30 + 20 * (clip % 4), 5 + clip % 4);
        return $"{family},hue=h={clip * 47 % 360}";
    }

    private async Task WriteAnnotationAsync(CancellationToken cancellationToken)
    {
        var annotation = Queries.ToDictionary(q => q.Id,
            q => new Dictionary<string, string[]> { ["ND"] = Videos.Where(v => v.Source == q.Id && !v.IsQuery).Select(v => v.Id).ToArray() });
        await File.WriteAllTextAsync(AnnotationPath, JsonSerializer.Serialize(annotation, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    internal static async Task RunFfmpegAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-v", "error", "-y", .. arguments]) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ffmpeg is not installed (on Debian/Ubuntu: apt-get install -y ffmpeg)", e);
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {await errors}");
        }
    }

    private sealed record CachedCorpus(string Fingerprint, List<CorpusVideo> Videos);
}
