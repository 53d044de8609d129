using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RealisticCorpus;

/// <summary>What a source file becomes in the corpus.</summary>
internal enum SourceCategory
{
    /// <summary>A photograph, panned and zoomed smoothly (Ken Burns).</summary>
    Photo,
    /// <summary>A screenshot of an application, shown like a screen recording: holds and quick zooms between areas.</summary>
    Screencast,
    /// <summary>Artwork (wallpapers, illustrations) panned and zoomed, or a real animation video.</summary>
    Animation,
    /// <summary>A game map scrolled like real-time-strategy gameplay.</summary>
    Game,
    /// <summary>Not footage: the logo overlaid by the logo edit.</summary>
    Logo,
    /// <summary>Not footage: the font of the text edit.</summary>
    Font,
}

/// <summary>One Debian package and the files of it that the corpus uses.</summary>
/// <param name="Package">Debian package name (bookworm main).</param>
/// <param name="Pattern">Regex over the extracted path (relative to the package root, '/' separated).</param>
/// <param name="Category">What the matching files become.</param>
/// <param name="GroupPattern">
/// Optional regex whose first capture names the group of related files (e.g. the pieces of one panorama): a group is
/// never split between queries and distractors, so no distractor shows a query's scene. Without it each file is a group.
/// </param>
internal sealed record SourceRule(string Package, string Pattern, SourceCategory Category, string? GroupPattern = null);

/// <summary>A file the corpus is made from.</summary>
internal sealed record SourceFile(string Id, string Package, string Version, string RelativePath, string FullPath,
    SourceCategory Category, string Group, int Width, int Height, double Duration)
{
    /// <summary>True for a video file (duration &gt; 0), false for a still image.</summary>
    public bool IsVideo => Duration > 0;
}

/// <summary>
/// The packages the corpus is built from, fetched with <c>apt-get download</c> and unpacked with <c>dpkg -x</c> into a
/// cache folder (nothing is installed). None of them is among the packages reserved for the independent check.
/// </summary>
internal static class SourcePackages
{
    /// <summary>Packages reserved for an independent check: never used here (issue #12).</summary>
    public static readonly string[] Reserved =
    [
        "opencv-doc", "python-nbsphinx-doc", "pd-extendedview", "python3-imageio", "python3-mecavideo", "node-opencv",
        "renpy-demo", "visp-images-data", "fillets-ng-data", "openboard-common", "planetblupi-common", "pampi",
        "tupi-data", "gnome-user-docs", "gnome-devel-docs", "forensics-samples-files", "python-kivy-examples",
        "kphotoalbum", "python3-hug-doc", "gem-doc", "lebiniou-data", "hollywood", "janus-demos",
        "texlive-latex-extra", "mate-backgrounds", "plasma-workspace-wallpapers",
    ];

    /// <summary>
    /// The rules, in a fixed order. Light/dark or multi-resolution variants of one artwork are left out (they would be
    /// unlabeled near-duplicates of each other), as is the right image of skimage's stereo pair.
    /// </summary>
    public static readonly SourceRule[] Rules =
    [
        new("ukui-wallpapers", @"^usr/share/backgrounds/[^/]+\.(jpg|png)$", SourceCategory.Photo),
        new("python3-skimage", @"^usr/lib/python3/dist-packages/skimage/data/(astronaut|coffee|camera|chelsea|rocket|motorcycle_left|hubble_deep_field|retina|ihc|coins|moon|color)\.(png|jpg)$", SourceCategory.Photo),
        new("lomiri-wallpapers", @"^usr/share/backgrounds/warty-final-ubuntu\.png$", SourceCategory.Photo),
        new("kodi-data", @"^usr/share/kodi/addons/skin\.estuary/extras/home-images/[^/]+\.jpg$", SourceCategory.Photo),
        new("stellarium-data", @"^usr/share/stellarium/landscapes/[^/]+/[^/]+\.png$", SourceCategory.Photo, @"^usr/share/stellarium/landscapes/([^/]+)/"),
        new("stellarium-data", @"^usr/share/stellarium/nebulae/default/[^/]+\.png$", SourceCategory.Photo),
        new("stellarium-data", @"^usr/share/stellarium/skycultures/[^/]+/[^/]+\.(png|jpg)$", SourceCategory.Animation, @"^usr/share/stellarium/skycultures/([^/]+)/"),
        new("kodi-data", @"^usr/share/kodi/addons/skin\.estouchy/resources/screenshot-\d+\.jpg$", SourceCategory.Screencast),
        new("kdenlive-data", @"^usr/share/doc/HTML/en/kdenlive/[^/]+\.png$", SourceCategory.Screencast),
        new("pitivi", @"^usr/share/help/C/pitivi/figures/[^/]+\.(png|jpg)$", SourceCategory.Screencast),
        new("gnome-backgrounds", @"^usr/share/backgrounds/gnome/[^/]+-l\.webp$", SourceCategory.Animation),
        new("sway-backgrounds", @"^usr/share/backgrounds/sway/Sway_Wallpaper_Blue_1920x1080\.png$", SourceCategory.Animation),
        new("desktop-base", @"^usr/share/(plasma/look-and-feel/org\.debian\.desktop/contents/previews/fullscreenpreview\.jpg|desktop-base/(emerald|softwaves)-theme/grub/grub-16x9\.png|plymouth/themes/joy/background\.png)$", SourceCategory.Animation),
        new("kodi-data", @"^usr/share/kodi/addons/skin\.estuary/extras/backgrounds/[^/]+\.jpg$", SourceCategory.Animation),
        new("boswars-data", @"^usr/share/games/boswars/intro/boswars_intro\.ogg$", SourceCategory.Animation),
        new("boswars-data", @"^usr/share/games/boswars/maps/[^/]+/terrain\.png$", SourceCategory.Game),
        new("desktop-base", @"^usr/share/desktop-base/debian-logos/logo-256\.png$", SourceCategory.Logo),
        new("fonts-dejavu-core", @"^usr/share/fonts/truetype/dejavu/DejaVuSans-Bold\.ttf$", SourceCategory.Font),
    ];

    /// <summary>Smallest width and file size of a still image worth panning over (icons and thumbnails are skipped).</summary>
    private const int MinWidth = 500;
    private const long MinBytes = 60_000;

    /// <summary>
    /// Downloads and unpacks every package of <see cref="Rules"/> that the cache does not hold yet, then lists the
    /// matching files, sorted by package and path (ordinal), with their size and duration from ffprobe.
    /// </summary>
    public static async Task<IReadOnlyList<SourceFile>> FetchAsync(string cache, CancellationToken ct)
    {
        var debs = Path.Combine(cache, "debs");
        Directory.CreateDirectory(debs);
        var probes = await ProbeCache.LoadAsync(Path.Combine(cache, "probes.tsv"), ct).ConfigureAwait(false);
        var files = new List<SourceFile>();
        foreach (var package in Rules.Select(r => r.Package).Distinct(StringComparer.Ordinal))
        {
            if (Reserved.Contains(package)) throw new InvalidOperationException($"{package} is reserved for the independent check");
            var (root, version) = await UnpackAsync(debs, Path.Combine(cache, "packages", package), package, ct).ConfigureAwait(false);
            var all = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal).ToArray();
            foreach (var rule in Rules.Where(r => r.Package == package))
            {
                var pattern = new Regex(rule.Pattern, RegexOptions.CultureInvariant);
                foreach (var relative in all.Where(f => pattern.IsMatch(f)))
                {
                    var full = Path.Combine(root, relative);
                    string group = rule.GroupPattern is { } g && Regex.Match(relative, g) is { Success: true } m
                        ? $"{package}:{m.Groups[1].Value}" : $"{package}:{relative}";
                    if (rule.Category is SourceCategory.Font)
                    {
                        files.Add(new SourceFile("", package, version, relative, full, rule.Category, group, 0, 0, 0));
                        continue;
                    }
                    var key = $"{package}_{version}/{relative}";
                    if (!probes.TryGetValue(key, out var probe)) probes[key] = probe = await ProbeAsync(full, ct).ConfigureAwait(false);
                    var (w, h, duration) = probe;
                    if (rule.Category is not SourceCategory.Logo && duration == 0 && (w < MinWidth || new FileInfo(full).Length < MinBytes)) continue;
                    files.Add(new SourceFile("", package, version, relative, full, rule.Category, group, w, h, duration));
                }
            }
        }
        await ProbeCache.SaveAsync(Path.Combine(cache, "probes.tsv"), probes, ct).ConfigureAwait(false);
        return files.Select((f, i) => f with { Id = $"s{i:D3}" }).ToArray();
    }

    /// <summary>The <c>License:</c> names of a package's DEP-5 copyright file, in file order, without repeats.</summary>
    public static IReadOnlyList<string> Licenses(string cache, string package)
    {
        var copyright = Path.Combine(cache, "packages", package, "usr", "share", "doc", package, "copyright");
        if (!File.Exists(copyright)) return ["(no copyright file)"];
        var names = File.ReadLines(copyright)
            .Where(l => l.StartsWith("License:", StringComparison.Ordinal))
            .Select(l => l["License:".Length..].Trim())
            .Where(l => l.Length > 0)
            .Distinct(StringComparer.Ordinal).ToArray();
        return names.Length > 0 ? names : ["(free-form copyright file: see its text)"];
    }

    private static async Task<(string Root, string Version)> UnpackAsync(string debs, string root, string package, CancellationToken ct)
    {
        var deb = Directory.EnumerateFiles(debs, package + "_*.deb").Order(StringComparer.Ordinal).FirstOrDefault();
        if (deb is null)
        {
            await Tool.RunAsync("apt-get", ["download", package], debs, ct).ConfigureAwait(false);
            deb = Directory.EnumerateFiles(debs, package + "_*.deb").Order(StringComparer.Ordinal).FirstOrDefault()
                  ?? throw new InvalidOperationException($"apt-get download {package} left no {package}_*.deb in {debs} (run 'apt-get update' first)");
        }
        // package_version_arch.deb; the version is URL-escaped (':' as %3a).
        var version = Uri.UnescapeDataString(Path.GetFileNameWithoutExtension(deb).Split('_')[1]);
        var done = Path.Combine(root, ".unpacked");
        if (!File.Exists(done))
        {
            Directory.CreateDirectory(root);
            await Tool.RunAsync("dpkg", ["-x", deb, root], debs, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(done, version, ct).ConfigureAwait(false);
        }
        return (root, version);
    }

    private static async Task<(int Width, int Height, double Duration)> ProbeAsync(string file, CancellationToken ct)
    {
        var output = await Tool.RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration,format_name", "-of", "default=nw=1", file],
            null, ct).ConfigureAwait(false);
        int w = 0, h = 0;
        double duration = 0;
        bool still = true;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (key, value) = (line.Split('=')[0], line[(line.IndexOf('=') + 1)..]);
            if (key == "width") w = int.Parse(value, CultureInfo.InvariantCulture);
            else if (key == "height") h = int.Parse(value, CultureInfo.InvariantCulture);
            else if (key == "format_name") still = value.Contains("_pipe", StringComparison.Ordinal) || value is "image2" or "webp_pipe";
            else if (key == "duration" && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) duration = d;
        }
        if (w == 0 || h == 0) throw new InvalidDataException($"{file}: ffprobe found no video stream");
        return (w, h, still ? 0 : duration);
    }
}

/// <summary>ffprobe results by package_version/path, kept in the cache folder: probing hundreds of images is slow.</summary>
internal static class ProbeCache
{
    public static async Task<Dictionary<string, (int Width, int Height, double Duration)>> LoadAsync(string path, CancellationToken ct)
    {
        var probes = new Dictionary<string, (int, int, double)>(StringComparer.Ordinal);
        if (!File.Exists(path)) return probes;
        foreach (var line in await File.ReadAllLinesAsync(path, ct).ConfigureAwait(false))
        {
            var f = line.Split('\t');
            if (f.Length != 4) throw new InvalidDataException($"{path}: expected 4 tab-separated fields in '{line}' (delete the file to probe again)");
            probes[f[0]] = (int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture));
        }
        return probes;
    }

    public static async Task SaveAsync(string path, Dictionary<string, (int Width, int Height, double Duration)> probes, CancellationToken ct)
    {
        var lines = probes.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}\t{p.Value.Width}\t{p.Value.Height}\t{p.Value.Duration:R}"));
        await File.WriteAllLinesAsync(path + ".tmp", lines, ct).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

/// <summary>Runs an external tool and returns its standard output; a non-zero exit throws with its standard error.</summary>
internal static class Tool
{
    public static async Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, string? workingDirectory, CancellationToken ct)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {Tail(error)}");
        return await stdout.ConfigureAwait(false);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : text[^2000..].Trim();
}
