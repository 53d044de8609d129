using System.Globalization;

namespace RealisticCorpus;

/// <summary>Corpus size knobs.</summary>
/// <param name="Seed">The seed: the same seed and sources give the same plan, byte for byte.</param>
/// <param name="Queries">Query clips.</param>
/// <param name="Distractors">Clips from sources no query uses.</param>
/// <param name="EditsPerQuery">Near-duplicate copies per query (balanced over <see cref="EditKinds.NearDuplicate"/>).</param>
/// <param name="Fps">Frame rate of the footage rendered from sources.</param>
internal sealed record PlanOptions(int Seed = 12, int Queries = 36, int Distractors = 160, int EditsPerQuery = 9, int Fps = 25);

/// <summary>Turns the source files into a deterministic list of clips: queries, their copies and distractors.</summary>
internal static class CorpusPlanner
{
    public const int Width = 480, Height = 270;

    /// <summary>Images at least this wide get overlapping (CS) and disjoint (IS) views, which need room to pan.</summary>
    private const int WideImage = 1600;

    private static readonly string[] Captions =
    [
        "EXCLUSIVE", "BREAKING NEWS", "watch till the end", "LIVE", "full video in bio", "REUPLOAD",
        "best moments", "HD 1080p", "must see", "original footage", "subscribe for more", "compilation",
    ];

    private static readonly string[] Corners = ["tl", "tr", "bl", "br", "c"];

    public static CorpusPlan Create(IReadOnlyList<SourceFile> sources, PlanOptions options)
    {
        if (options.EditsPerQuery > EditKinds.NearDuplicate.Length)
            throw new ArgumentException($"at most {EditKinds.NearDuplicate.Length} edits per query");
        var rng = new SplitMix((ulong)options.Seed);
        var footage = sources.Where(s => s.Category is not (SourceCategory.Logo or SourceCategory.Font)).ToArray();
        var logo = sources.FirstOrDefault(s => s.Category == SourceCategory.Logo) ?? throw new InvalidOperationException("no logo source");
        var clips = new List<ClipPlan>();

        // Queries: one group each, round-robin over the rules within a category so no package dominates.
        var used = new HashSet<string>(StringComparer.Ordinal);
        var quotas = Quotas(options.Queries);
        var queries = new List<ClipPlan>();
        foreach (var (category, count) in quotas)
        {
            var sourceCategory = category == "camera" ? SourceCategory.Photo : Enum.Parse<SourceCategory>(category, ignoreCase: true);
            var pool = RoundRobin(footage.Where(s => s.Category == sourceCategory && !used.Contains(s.Group)), rng,
                // Photo-like queries prefer wide images, which get CS and IS views as well.
                preferWide: sourceCategory == SourceCategory.Photo);
            foreach (var source in pool.Take(count))
            {
                used.Add(source.Group);
                queries.Add(Original($"q{queries.Count}", "query", category, source, rng, Constrained(category, source), options.Fps));
            }
        }
        clips.AddRange(queries);

        // Distractors: every group no query uses, round-robin over the rules, repeated (new camera paths) if needed.
        var free = RoundRobin(footage.Where(s => !used.Contains(s.Group)), rng, preferWide: false);
        if (free.Count == 0) throw new InvalidOperationException("no sources left for distractors");
        var distractors = new List<ClipPlan>();
        for (int i = 0; i < options.Distractors; i++)
        {
            var source = free[i % free.Count];
            string category = source.Category == SourceCategory.Photo && rng.NextDouble() < 0.4 ? "camera" : Name(source.Category);
            distractors.Add(Original($"d{i}", "distractor", category, source, rng, constrained: false, options.Fps));
        }
        clips.AddRange(distractors);
        var backgrounds = distractors.Where(d => d.Category != "screencast").ToArray();

        // Copies: a balanced share of the near-duplicate edits, a partial copy, and CS/IS views where there is room.
        var kinds = rng.Shuffle(EditKinds.NearDuplicate);
        for (int q = 0; q < queries.Count; q++)
        {
            var query = queries[q];
            for (int j = 0; j < options.EditsPerQuery; j++)
                clips.Add(Copy(query, kinds[(q * options.EditsPerQuery + j) % kinds.Length], rng, backgrounds, logo));
            clips.Add(Copy(query, EditKinds.Partial, rng, backgrounds, logo));
            var source = sources.First(s => s.Id == query.Source);
            if (Constrained(query.Category, source))
            {
                clips.Add(View(query, source, EditKinds.OverlappingView, "CS", rng, options.Fps));
                clips.Add(View(query, source, EditKinds.DisjointView, "IS", rng, options.Fps));
            }
        }
        return new CorpusPlan(options.Seed, options.Fps, Width, Height, sources, Opaque(clips, rng));
    }

    /// <summary>Query counts per category (camera = photographs filmed hand-held).</summary>
    private static IReadOnlyList<(string Category, int Count)> Quotas(int queries)
    {
        int photo = (int)Math.Round(queries * 0.28), camera = (int)Math.Round(queries * 0.2),
            screencast = (int)Math.Round(queries * 0.17), game = (int)Math.Round(queries * 0.11);
        return [("photo", photo), ("camera", camera), ("screencast", screencast), ("game", game),
                ("animation", Math.Max(0, queries - photo - camera - screencast - game))];
    }

    private static bool Constrained(string category, SourceFile source) =>
        category is "photo" or "camera" && !source.IsVideo && source.Width >= WideImage;

    private static string Name(SourceCategory category) => category.ToString().ToLowerInvariant();

    /// <summary>
    /// One file per group, groups shuffled within each rule (package + pattern, identified by the package and the
    /// path's folder), then interleaved rule by rule; wide images first when asked.
    /// </summary>
    private static List<SourceFile> RoundRobin(IEnumerable<SourceFile> candidates, SplitMix rng, bool preferWide)
    {
        var byGroup = candidates.GroupBy(s => s.Group).Select(g => rng.Pick(g.ToArray())).ToArray();
        var queues = byGroup
            .GroupBy(s => s.Package + ":" + Path.GetDirectoryName(s.Group.Contains('/') ? s.RelativePath : s.Group))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Queue<SourceFile>(rng.Shuffle(g).OrderBy(s => preferWide && s.Width < WideImage ? 1 : 0)))
            .ToList();
        var result = new List<SourceFile>();
        while (queues.Count > 0)
        {
            foreach (var q in queues) result.Add(q.Dequeue());
            queues.RemoveAll(q => q.Count == 0);
        }
        if (preferWide) result = [.. result.OrderBy(s => s.Width < WideImage ? 1 : 0)];
        return result;
    }

    /// <summary>Clip length: 10–60 s, most near the short end; a video source keeps its own length.</summary>
    private static double Duration(SourceFile source, SplitMix rng, int fps) =>
        source.IsVideo ? Math.Round(source.Duration * fps) / fps : Math.Round((10 + 50 * Math.Pow(rng.NextDouble(), 3)) * fps) / fps;

    private static ClipPlan Original(string id, string role, string category, SourceFile source, SplitMix rng, bool constrained, int fps)
    {
        double duration = Duration(source, rng, fps);
        var style = category switch
        {
            "camera" => MotionStyle.Handheld,
            "screencast" => MotionStyle.Screen,
            "game" => MotionStyle.Scroll,
            _ => MotionStyle.Pan,
        };
        var motion = source.IsVideo ? null : MotionPaths.Create(style, (int)Math.Round(duration * fps), fps, rng,
            constrained ? MotionPaths.QueryRegion : null);
        return new ClipPlan(id, role, category, null, "original", null, "mp4", duration, source.Id, motion, null, null, []);
    }

    private static ClipPlan View(ClipPlan query, SourceFile source, string edit, string label, SplitMix rng, int fps)
    {
        double duration = Duration(source, rng, fps);
        var region = label == "CS" ? MotionPaths.OverlapRegion : MotionPaths.DisjointRegion;
        var motion = MotionPaths.Create(MotionStyle.Pan, (int)Math.Round(duration * fps), fps, rng, region);
        return new ClipPlan($"{query.Id}-{edit}", "copy", query.Category, query.Id, edit, label, "mp4", duration, source.Id, motion, null, null, []);
    }

    private static ClipPlan Copy(ClipPlan query, string edit, SplitMix rng, IReadOnlyList<ClipPlan> backgrounds, SourceFile logo)
    {
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? background = null;
        string extension = "mp4";
        switch (edit)
        {
            case "crop" or "combo":
                double keep = rng.Range(0.7, 0.85);
                p["keep"] = F(keep);
                p["x"] = F(rng.NextDouble());
                p["y"] = F(rng.NextDouble());
                if (edit == "combo")
                {
                    p["caption"] = rng.Pick(Captions);
                    p["kbps"] = F(rng.Pick([150, 200, 250]));
                    p["logo"] = logo.Id;
                    p["corner"] = rng.Pick(Corners[..4]);
                }
                break;
            case "fps":
                p["fps"] = F(rng.Pick([8, 10, 12, 15, 30]));
                break;
            case "speed":
                p["factor"] = F(rng.Pick([0.75, 0.8, 1.25, 1.5]));
                break;
            case "bitrate":
                p["kbps"] = F(rng.Pick([60, 80, 100, 120]));
                p["height"] = F(rng.Pick([144, 180]));
                break;
            case "logo":
                p["logo"] = logo.Id;
                p["corner"] = rng.Pick(Corners[..4]);
                p["size"] = F(rng.Range(0.12, 0.22));
                break;
            case "text":
                p["caption"] = rng.Pick(Captions);
                p["position"] = rng.Pick(["top", "bottom"]);
                p["fontsize"] = F(rng.Pick([16, 20, 24, 28]));
                break;
            case "rotate":
                p["degrees"] = F(Math.Round(rng.Range(3, 12), 1) * (rng.NextDouble() < 0.5 ? -1 : 1));
                break;
            case "inset4" or "inset9" or "inset16":
                p["scale"] = edit switch { "inset4" => "2", "inset9" => "3", _ => "4" };
                p["corner"] = rng.Pick(Corners);
                background = rng.Pick(backgrounds).Id;
                break;
            case "mkv" or "webm" or "avi" or "ogv" or "gif":
                extension = edit;
                break;
            case EditKinds.Partial:
                double length = Math.Max(Math.Min(4, query.Duration), query.Duration * rng.Range(0.3, 0.6));
                p["start"] = F(Math.Round(rng.Range(0, query.Duration - length), 2));
                p["length"] = F(Math.Round(length, 2));
                break;
        }
        string label = edit == EditKinds.Partial ? "DS" : "ND";
        return new ClipPlan($"{query.Id}-{edit}", "copy", query.Category, query.Id, edit, label, extension, query.Duration, null, null, query.Id, background, p);
    }

    /// <summary>Replaces the working ids (q3, q3-flip, d17) by opaque library ids v0000…, in a seeded random order.</summary>
    private static IReadOnlyList<ClipPlan> Opaque(List<ClipPlan> clips, SplitMix rng)
    {
        var numbers = rng.Shuffle(Enumerable.Range(0, clips.Count));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < clips.Count; i++) ids.Add(clips[i].Id, $"v{numbers[i]:D4}");
        return clips.Select(c => c with
        {
            Id = ids[c.Id],
            Query = c.Query is null ? null : ids[c.Query],
            From = c.From is null ? null : ids[c.From],
            Background = c.Background is null ? null : ids[c.Background],
        }).ToArray();
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
