using System.Globalization;

namespace DnS.Core.Retrieval;

/// <summary>
/// Decides which (query, target) pairs the fine-grained student re-scores after the coarse scan; every other
/// pair keeps its coarse score. Parse the CLI forms with <see cref="Parse"/>: <c>coarse</c>, <c>fine</c>,
/// <c>topk:K</c>, <c>dns:FRACTION</c>, <c>threshold:P</c>, and <c>topk:K+regions:M</c> or <c>dns:FRACTION+regions:M</c>
/// (<see cref="WithRegionPicks"/>); any of them may end in <c>+insets</c> (<see cref="WithInsets"/>).
/// </summary>
public sealed record SelectorPolicy
{
    private SelectorPolicy(SelectionKind kind, double parameter)
    {
        Kind = kind;
        Parameter = parameter;
    }

    /// <summary>The selection rule.</summary>
    public SelectionKind Kind { get; }

    /// <summary>K for <see cref="SelectionKind.TopK"/>, the fraction for <see cref="SelectionKind.SelectorFraction"/>, the probability for <see cref="SelectionKind.SelectorThreshold"/>.</summary>
    public double Parameter { get; }

    /// <summary>
    /// How many of the policy's re-ranked pairs go to the videos whose best region looks most like the query's whole
    /// video (0: none). A single coarse vector per video misses copies that show the query in part of the frame
    /// (picture-in-picture insets); a region of theirs does not. The budget stays the same:
    /// <c>topk:30+regions:5</c> re-ranks the 25 best by coarse score and the 5 best by region match among the rest.
    /// Costs R int8 dot products of D per live video and query, over the region means the index keeps
    /// (<see cref="Storage.StoreSchema.RegionMeans"/>; an index without them computes R·D floats per video once per committed
    /// state and holds them in memory); a cluster search selects the same pairs (each shard offers its best region matches).
    /// </summary>
    public int RegionPicks { get; private init; }

    /// <summary>The same policy with <paramref name="picks"/> of its budget given to region matches (<see cref="RegionPicks"/>).</summary>
    /// <exception cref="ArgumentException">The policy is not <see cref="SelectionKind.TopK"/> or <see cref="SelectionKind.SelectorFraction"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="picks"/> is negative, or above K under top-K.</exception>
    public SelectorPolicy WithRegionPicks(int picks) => RegionPicksProblem(picks) switch
    {
        null => this with { RegionPicks = picks },
        var (budget, reason) when budget => throw new ArgumentOutOfRangeException(nameof(picks), picks, reason),
        var (_, reason) => throw new ArgumentException(reason, nameof(picks)),
    };

    // The one place region picks are validated (WithRegionPicks and Parse): whether the problem is the count, and why.
    private (bool Count, string Reason)? RegionPicksProblem(int picks) =>
        Kind is not (SelectionKind.TopK or SelectionKind.SelectorFraction)
            ? (false, $"policy '{this}' has no re-ranking budget to share: region picks go with topk:K or dns:FRACTION")
            : picks < 0 || (Kind == SelectionKind.TopK && picks > Parameter)
                ? (true, $"region picks must be in 0..{(Kind == SelectionKind.TopK ? Parameter.ToString(CultureInfo.InvariantCulture) : "the budget")}, got {picks}")
                : null;

    /// <summary>
    /// Whether the inset (picture-in-picture) stage runs after the cascade: the query's best matches shown shrunk inside
    /// library videos are checked against pixels, and the verified ones move to just under the cascade's confident
    /// matches (<see cref="InsetStage"/>). It needs the index's inset side (<see cref="Library.VideoLibraryOptions.Insets"/>)
    /// and the query's frames, so only <see cref="Library.VideoLibrary"/> runs it, for a query file or an indexed id;
    /// a <see cref="RetrievalEngine"/> refuses it.
    /// </summary>
    public bool Insets { get; private init; }

    /// <summary>The same policy with the inset stage after it (<see cref="Insets"/>) or without.</summary>
    public SelectorPolicy WithInsets(bool insets = true) => this with { Insets = insets };

    /// <summary>Whether the policy needs the selector network.</summary>
    public bool NeedsSelector => Kind is SelectionKind.SelectorFraction or SelectionKind.SelectorThreshold;

    /// <summary>Coarse scores only.</summary>
    public static SelectorPolicy CoarseOnly { get; } = new(SelectionKind.CoarseOnly, 0);

    /// <summary>Re-score every pair with the fine student.</summary>
    public static SelectorPolicy FineOnly { get; } = new(SelectionKind.FineOnly, 0);

    /// <summary>
    /// Re-score the <paramref name="k"/> best pairs by coarse score; the re-ranked shortlist stays ahead of every other
    /// video (its merged scores are the calibrated fine score — reference: s/2 + 0.5 — plus
    /// <see cref="Networks.FineScoreCalibration.ShortlistLift"/>), ordered by the fine student.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative.</exception>
    public static SelectorPolicy TopK(int k) => Create(SelectionKind.TopK, k);

    /// <summary>Re-score the <paramref name="fraction"/> (0–1) of pairs the selector network ranks highest (the paper uses 0.05 and 0.30).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not a number in [0, 1].</exception>
    public static SelectorPolicy SelectorFraction(double fraction) => Create(SelectionKind.SelectorFraction, fraction);

    /// <summary>Re-score every pair whose selector probability is at least <paramref name="probability"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not a number in [0, 1].</exception>
    public static SelectorPolicy SelectorThreshold(double probability) => Create(SelectionKind.SelectorThreshold, probability);

    /// <summary>Parses <c>coarse</c>, <c>fine</c>, <c>topk:K</c>, <c>dns:FRACTION</c> or <c>threshold:P</c>, then
    /// optionally <c>+regions:M</c> (after <c>topk:K</c> or <c>dns:FRACTION</c>), then optionally <c>+insets</c>.</summary>
    /// <exception cref="FormatException">The text is none of these, or its number is out of range (the message says which).</exception>
    public static SelectorPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] sum = text.Split('+');
        var policy = ParseBase(text, sum[0]);
        bool insets = sum.Length > 1 && sum[^1].Trim().Equals("insets", StringComparison.OrdinalIgnoreCase);
        string[] extras = sum[1..(insets ? ^1 : ^0)];
        if (extras.Length > 1) throw new FormatException($"policy '{text}': after the base policy come +regions:M and +insets, each at most once, in that order");
        if (extras.Length == 1)
        {
            string[] extra = extras[0].Trim().ToLowerInvariant().Split(':', 2);
            if (extra is not ["regions", var count] || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int picks))
                throw new FormatException($"policy '{text}': after '+' comes regions:M, M a whole number, or insets");
            policy = policy.RegionPicksProblem(picks) is { } problem
                ? throw new FormatException($"policy '{text}': {problem.Reason}")
                : policy.WithRegionPicks(picks);
        }
        return policy.WithInsets(insets);
    }

    private static SelectorPolicy ParseBase(string text, string basePart)
    {
        string[] parts = basePart.Trim().ToLowerInvariant().Split(':', 2);
        double Number() => parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new FormatException($"policy '{text}' needs a number after ':'");
        var (kind, parameter) = parts[0] switch
        {
            "coarse" when parts.Length == 1 => (SelectionKind.CoarseOnly, 0.0),
            "fine" when parts.Length == 1 => (SelectionKind.FineOnly, 0.0),
            "topk" => (SelectionKind.TopK, Number()),
            "dns" => (SelectionKind.SelectorFraction, Number()),
            "threshold" => (SelectionKind.SelectorThreshold, Number()),
            _ => throw new FormatException($"unknown policy '{text}': use coarse, fine, topk:K, dns:FRACTION or threshold:P (topk and dns with +regions:M), any of them with +insets"),
        };
        return Problem(kind, parameter) is { } problem
            ? throw new FormatException($"policy '{text}': {problem.Reason}")
            : Create(kind, parameter);
    }

    private static SelectorPolicy Create(SelectionKind kind, double parameter) => kind switch
    {
        SelectionKind.CoarseOnly => CoarseOnly,
        SelectionKind.FineOnly => FineOnly,
        _ => Problem(kind, parameter) is { } problem
            ? throw new ArgumentOutOfRangeException(problem.Name, parameter, problem.Reason)
            : new SelectorPolicy(kind, parameter),
    };

    // The one place a policy's parameter is validated: the factories and Parse both ask here. NaN fails every comparison.
    private static (string Name, string Reason)? Problem(SelectionKind kind, double parameter) => kind switch
    {
        SelectionKind.TopK when !(parameter >= 0 && parameter <= int.MaxValue) || parameter != Math.Floor(parameter) =>
            ("k", $"K must be a whole number in 0..{int.MaxValue}, got {parameter.ToString(CultureInfo.InvariantCulture)}"),
        SelectionKind.SelectorFraction when !(parameter is >= 0 and <= 1) =>
            ("fraction", $"the fraction must be in [0, 1], got {parameter.ToString(CultureInfo.InvariantCulture)}"),
        SelectionKind.SelectorThreshold when !(parameter is >= 0 and <= 1) =>
            ("probability", $"the probability must be in [0, 1], got {parameter.ToString(CultureInfo.InvariantCulture)}"),
        _ => null,
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SelectionKind.CoarseOnly => "coarse",
        SelectionKind.FineOnly => "fine",
        SelectionKind.TopK => $"topk:{Parameter.ToString(CultureInfo.InvariantCulture)}",
        SelectionKind.SelectorFraction => $"dns:{Parameter.ToString(CultureInfo.InvariantCulture)}",
        _ => $"threshold:{Parameter.ToString(CultureInfo.InvariantCulture)}",
    } + (RegionPicks > 0 ? $"+regions:{RegionPicks.ToString(CultureInfo.InvariantCulture)}" : "") + (Insets ? "+insets" : "");
}
