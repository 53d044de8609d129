// A realistic near-duplicate corpus from real photos, screenshots, artwork, game maps and an animation video shipped
// in Debian packages (issue #12): queries filmed from still images by camera paths, near-duplicate copies made by
// ffmpeg edits, partial copies, overlapping (CS) and disjoint (IS) views, and distractors, with FIVR-style labels.
//   dotnet run -c Release --project samples/RealisticCorpus -- generate --output DIR --cache DIR [--seed 12]
//       [--queries 36] [--distractors 160] [--edits 9] [--fps 25] [--jobs 2] [--nice 19] [--plan-only]
//   dotnet run -c Release --project samples/RealisticCorpus -- per-edit --results results.json --edits DIR/edits.json
//   dotnet run -c Release --project samples/RealisticCorpus -- insets --corpus DIR --cache DIR --output inset.json
//       [--jobs 2] [--fuse results.json --tier T [--threshold S (default: 0.76)] --fused fused.json]
// See docs/realistic-corpus.md.
using System.Globalization;
using DnS.Core.Evaluation;
using DnS.Core.Retrieval;
using RealisticCorpus;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    var options = Options.Parse(args.Skip(1));
    return args.FirstOrDefault() switch
    {
        "generate" => await GenerateAsync(options, cancel.Token),
        "per-edit" => await PerEditAsync(options, cancel.Token),
        "insets" => await InsetsAsync(options, cancel.Token),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return Usage();
}
catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static async Task<int> GenerateAsync(Options o, CancellationToken ct)
{
    string output = o.Get("output", Path.Combine("artifacts", "realistic-corpus"));
    string cache = o.Get("cache", Path.Combine("artifacts", "corpus-cache"));
    var planOptions = new PlanOptions(o.Int("seed", 12), o.Int("queries", 36), o.Int("distractors", 160), o.Int("edits", 9), o.Int("fps", 25));
    Console.WriteLine($"sources: Debian packages into {cache}");
    var sources = await SourcePackages.FetchAsync(cache, ct);
    Console.WriteLine($"   {sources.Count} files from {sources.Select(s => s.Package).Distinct().Count()} packages");
    var plan = CorpusPlanner.Create(sources, planOptions);
    await CorpusFiles.WriteAsync(output, cache, plan, ct);
    var roles = plan.Clips.GroupBy(c => c.Role).Select(g => $"{g.Count()} {g.Key}");
    Console.WriteLine($"plan: {plan.Clips.Count} clips ({string.Join(", ", roles)}) → {output}");
    if (o.Flag("plan-only")) return 0;
    var renderer = new ClipRenderer(plan, Path.Combine(output, "videos"), o.Int("jobs", 2), o.Int("nice", 19));
    var clock = System.Diagnostics.Stopwatch.StartNew();
    await renderer.RenderAsync(new Progress<string>(line => Console.WriteLine($"   {line} ({clock.Elapsed:mm\\:ss})")), ct);
    Console.WriteLine($"rendered in {clock.Elapsed.TotalMinutes:F1} min");
    return 0;
}

static async Task<int> PerEditAsync(Options o, CancellationToken ct)
{
    var results = await SimilarityResults.LoadAsync(o.Required("results"), ct);
    var copies = await CorpusFiles.LoadCopiesAsync(o.Required("edits"), ct);
    var rows = await PerEditEvaluation.EvaluateAsync(results, copies, ct);
    Console.WriteLine("| edit | label | queries | AP |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var r in rows)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Edit} | {r.Label} | {r.Queries} | {r.MeanAveragePrecision:F3} |"));
    return 0;
}

static async Task<int> InsetsAsync(Options o, CancellationToken ct)
{
    var placements = o.Flag("both") ? InsetStageOptions.ForBothFeatures : InsetStageOptions.Default;
    var options = o.Get("threshold", "") is { Length: > 0 } threshold ? placements with { Threshold = (float)D(threshold) } : placements;
    if (o.Flag("move-unverified")) options = options with { MoveUnverified = true };
    string? thumbnails = o.Get("verify", "") is { Length: > 0 } folder ? folder : null;
    var (stage, scores, verified) = await InsetScores.ComputeAsync(o.Required("corpus"), o.Required("cache"), thumbnails, o.Int("jobs", 2), options,
        new Progress<string>(Console.WriteLine), ct);
    await scores.SaveAsync(o.Required("output"), ct);
    if (verified is not null && o.Get("verified", "") is { Length: > 0 } verifiedPath)
        await verified.SaveAsync(verifiedPath, ct);
    if (o.Get("fuse", "") is { Length: > 0 } baseResults)
    {
        var fused = InsetScores.Fuse(stage, await SimilarityResults.LoadAsync(baseResults, ct), scores, D(o.Required("tier")), verified);
        await fused.SaveAsync(o.Required("fused"), ct);
    }
    return 0;

    static double D(string text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
        ? v : throw new ArgumentException($"'{text}' is not a number");
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: RealisticCorpus generate [--output DIR] [--cache DIR] [--seed N] [--queries N] [--distractors N]
                                        [--edits N] [--fps N] [--jobs N] [--nice N] [--plan-only]
               RealisticCorpus per-edit --results results.json --edits DIR/edits.json
               RealisticCorpus insets --corpus DIR --cache DIR --output inset.json [--jobs N]
                                      [--verify THUMBNAIL-CACHE [--verified verified.json] [--move-unverified]]
                                      [--fuse results.json --tier T [--threshold S (default: 0.76)] [--both] --fused fused.json]
                                      (--both: the placements measured for a ranking of the both features;
                                       --verify: check each query's best matches against pixels and move only the verified
                                       ones; --move-unverified: also move the others by inset score and family test)
        """);
    return 2;
}

/// <summary>--name value options and --flag switches.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var o = new Options();
        var list = args.ToArray();
        for (int i = 0; i < list.Length; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{list[i]}'");
            bool hasValue = i + 1 < list.Length && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
            o._values[list[i][2..]] = hasValue ? list[++i] : null;
        }
        return o;
    }

    public string Get(string name, string fallback) => _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public string Required(string name) => _values.TryGetValue(name, out var v) && v is not null ? v : throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) && v is not null
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"--{name} must be a non-negative integer")
            : fallback;

    public bool Flag(string name) => _values.ContainsKey(name);
}
