using System.Globalization;

namespace RealisticCorpus;

/// <summary>
/// Renders the clips of a plan with ffmpeg (run under <c>nice</c>), sources first, then the edits of them. A clip whose
/// file exists is skipped, so an interrupted run resumes; each file is written under a temporary name and renamed.
/// </summary>
internal sealed class ClipRenderer(CorpusPlan plan, string videos, int jobs, int niceness)
{
    private readonly Dictionary<string, ClipPlan> _clips = plan.Clips.ToDictionary(c => c.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, SourceFile> _sources = plan.Sources.ToDictionary(s => s.Id, StringComparer.Ordinal);

    public async Task RenderAsync(IProgress<string> progress, CancellationToken ct)
    {
        Directory.CreateDirectory(videos);
        foreach (var stale in Directory.EnumerateFiles(videos, "*.partial.*")) File.Delete(stale);
        var phases = new[] { plan.Clips.Where(c => c.From is null).ToArray(), plan.Clips.Where(c => c.From is not null).ToArray() };
        int done = 0, total = plan.Clips.Count;
        foreach (var phase in phases)
        {
            await Parallel.ForEachAsync(phase, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = ct }, async (clip, token) =>
            {
                var target = Path.Combine(videos, clip.FileName);
                if (!File.Exists(target))
                {
                    var temporary = Path.Combine(videos, $"{clip.Id}.partial.{clip.Extension}");
                    await Tool.RunAsync("nice", [$"-n{niceness}", "ffmpeg", .. Arguments(clip, temporary)], null, token).ConfigureAwait(false);
                    File.Move(temporary, target);
                }
                int n = Interlocked.Increment(ref done);
                if (n % 25 == 0 || n == total) progress.Report($"{n}/{total} clips");
            }).ConfigureAwait(false);
        }
    }

    /// <summary>The ffmpeg arguments that make <paramref name="clip"/> into <paramref name="output"/>.</summary>
    public IReadOnlyList<string> Arguments(ClipPlan clip, string output)
    {
        var args = new List<string> { "-nostdin", "-y", "-v", "error", "-threads", "1" };
        string filter;
        int frames = (int)Math.Round(clip.Duration * plan.Fps);
        if (clip.From is null)
        {
            var source = _sources[clip.Source!];
            args.AddRange(["-i", source.FullPath]);
            filter = clip.Motion is { } motion
                ? $"[0:v]format=rgb24,scale=1920:1080:force_original_aspect_ratio=increase:flags=bicubic,crop=1920:1080,setsar=1,{MotionPaths.Zoompan(motion, frames, plan.Width, plan.Height, plan.Fps)},format=yuv420p[v]"
                : $"[0:v]scale={plan.Width}:{plan.Height}:force_original_aspect_ratio=increase,crop={plan.Width}:{plan.Height},setsar=1,fps={plan.Fps},format=yuv420p[v]";
            args.AddRange(["-filter_complex", filter, "-map", "[v]", "-frames:v", F(frames)]);
            return [.. args, .. Encoder("mp4", 20), output];
        }

        var from = Path.Combine(videos, _clips[clip.From].FileName);
        var p = clip.Parameters;
        string W = F(plan.Width), H = F(plan.Height);
        switch (clip.Edit)
        {
            case EditKinds.Partial:
                args.AddRange(["-ss", p["start"], "-t", p["length"], "-i", from]);
                filter = "[0:v]null[v]";
                break;
            case "inset4" or "inset9" or "inset16":
                var background = Path.Combine(videos, _clips[clip.Background!].FileName);
                args.AddRange(["-stream_loop", "-1", "-i", background, "-i", from]);
                filter = $"[1:v]scale=iw/{p["scale"]}:-2[i];[0:v][i]overlay={Place(p["corner"], 12)}:shortest=1,format=yuv420p[v]";
                args.AddRange(["-t", F(clip.Duration)]);
                break;
            case "logo":
                args.AddRange(["-i", from, "-i", _sources[p["logo"]].FullPath]);
                filter = $"[1:v]scale={F(Math.Round(plan.Width * D(p["size"])))}:-1[l];[0:v][l]overlay={Place(p["corner"], 10)},format=yuv420p[v]";
                break;
            case "combo":
                args.AddRange(["-i", from, "-i", _sources[p["logo"]].FullPath]);
                filter = $"[1:v]scale={F(plan.Width / 6)}:-1[l];[0:v]{Crop(p)}[c];[c][l]overlay={Place(p["corner"], 10)},{Text(p["caption"], "bottom", 20)},format=yuv420p[v]";
                break;
            default:
                args.AddRange(["-i", from]);
                filter = "[0:v]" + clip.Edit switch
                {
                    "crop" => Crop(p),
                    "flip" => "hflip",
                    "gray" => "format=gray,format=yuv420p",
                    "fps" => $"fps={p["fps"]}",
                    "speed" => $"setpts=PTS/{p["factor"]},fps={plan.Fps}",
                    "bitrate" => $"scale=-2:{p["height"]}",
                    "text" => Text(p["caption"], p["position"], int.Parse(p["fontsize"], CultureInfo.InvariantCulture)),
                    "rotate" => $"rotate={p["degrees"]}*PI/180:fillcolor=black",
                    "gif" => "fps=10,scale=320:-1:flags=lanczos,split[a][b];[a]palettegen=stats_mode=diff[pal];[b][pal]paletteuse=dither=bayer",
                    "mkv" or "webm" or "avi" or "ogv" => "null",
                    _ => throw new InvalidOperationException($"unknown edit {clip.Edit}"),
                } + "[v]";
                break;
        }
        args.AddRange(["-filter_complex", filter, "-map", "[v]"]);
        if (clip.Edit is "bitrate" or "combo")
        {
            int kbps = int.Parse(p["kbps"], CultureInfo.InvariantCulture);
            args.AddRange(["-c:v", "libx264", "-preset", "veryfast", "-b:v", $"{kbps}k", "-maxrate", $"{kbps * 6 / 5}k",
                "-bufsize", $"{kbps * 2}k", "-pix_fmt", "yuv420p", "-an", "-fflags", "+bitexact", "-flags:v", "+bitexact"]);
            return [.. args, output];
        }
        return [.. args, .. Encoder(clip.Extension, clip.Edit == "mkv" ? 28 : 23), output];

        string Crop(SortedDictionary<string, string> q) =>
            $"crop=w=iw*{q["keep"]}:h=ih*{q["keep"]}:x=(iw-ow)*{q["x"]}:y=(ih-oh)*{q["y"]},scale={W}:{H}";
    }

    private string Text(string caption, string position, int size)
    {
        var font = plan.Sources.First(s => s.Category == SourceCategory.Font).FullPath;
        string y = position == "top" ? "12" : "h-text_h-12";
        return $"drawtext=fontfile='{font}':text='{caption}':fontsize={size}:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=6:x=(w-text_w)/2:y={y}";
    }

    /// <summary>overlay x:y for a corner (tl, tr, bl, br) or the center (c), with a margin.</summary>
    private static string Place(string corner, int margin) => corner switch
    {
        "tl" => $"{margin}:{margin}",
        "tr" => $"W-w-{margin}:{margin}",
        "bl" => $"{margin}:H-h-{margin}",
        "br" => $"W-w-{margin}:H-h-{margin}",
        _ => "(W-w)/2:(H-h)/2",
    };

    /// <summary>Codec options per container; bit-exact flags keep the bytes stable for one ffmpeg version.</summary>
    private static IReadOnlyList<string> Encoder(string extension, int crf)
    {
        string[] common = ["-an", "-fflags", "+bitexact", "-flags:v", "+bitexact"];
        return extension switch
        {
            "mp4" => ["-c:v", "libx264", "-preset", "veryfast", "-crf", F(crf), "-pix_fmt", "yuv420p", "-movflags", "+faststart", .. common],
            "mkv" => ["-c:v", "libx264", "-preset", "veryfast", "-crf", F(crf), "-pix_fmt", "yuv420p", .. common],
            "webm" => ["-c:v", "libvpx", "-b:v", "400k", "-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p", .. common],
            "avi" => ["-c:v", "mpeg4", "-q:v", "6", "-pix_fmt", "yuv420p", .. common],
            "ogv" => ["-c:v", "libtheora", "-q:v", "5", "-pix_fmt", "yuv420p", .. common],
            "gif" => ["-f", "gif", .. common],
            _ => throw new InvalidOperationException($"unknown container {extension}"),
        };
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
    private static double D(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
