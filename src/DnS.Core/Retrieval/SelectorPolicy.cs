using System.Globalization;

namespace DnS.Core.Retrieval;

/// <summary>
/// Decides which (query, target) pairs the fine-grained student re-scores after the coarse scan; every other
/// pair keeps its coarse score. Parse the CLI forms with <see cref="Parse"/>: <c>coarse</c>, <c>fine</c>,
/// <c>topk:K</c>, <c>dns:FRACTION</c>, <c>threshold:P</c>.
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
    public static SelectorPolicy TopK(int k) =>
        k >= 0 ? new(SelectionKind.TopK, k) : throw new ArgumentOutOfRangeException(nameof(k), k, "K must be ≥ 0");

    /// <summary>Re-score the <paramref name="fraction"/> (0–1) of pairs the selector network ranks highest (the paper uses 0.05 and 0.30).</summary>
    public static SelectorPolicy SelectorFraction(double fraction) =>
        fraction is >= 0 and <= 1 ? new(SelectionKind.SelectorFraction, fraction) : throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the fraction must be in [0, 1]");

    /// <summary>Re-score every pair whose selector probability is at least <paramref name="probability"/>.</summary>
    public static SelectorPolicy SelectorThreshold(double probability) =>
        probability is >= 0 and <= 1 ? new(SelectionKind.SelectorThreshold, probability) : throw new ArgumentOutOfRangeException(nameof(probability), probability, "the probability must be in [0, 1]");

    /// <summary>Parses <c>coarse</c>, <c>fine</c>, <c>topk:K</c>, <c>dns:FRACTION</c> or <c>threshold:P</c>.</summary>
    /// <exception cref="FormatException">The text is none of these.</exception>
    public static SelectorPolicy Parse(string text)
    {
        string[] parts = text.Trim().ToLowerInvariant().Split(':', 2);
        double Number() => parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new FormatException($"policy '{text}' needs a number after ':'");
        try
        {
            return parts[0] switch
            {
                "coarse" when parts.Length == 1 => CoarseOnly,
                "fine" when parts.Length == 1 => FineOnly,
                "topk" => TopK(checked((int)Number())),
                "dns" => SelectorFraction(Number()),
                "threshold" => SelectorThreshold(Number()),
                _ => throw new FormatException($"unknown policy '{text}': use coarse, fine, topk:K, dns:FRACTION or threshold:P"),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FormatException($"policy '{text}': {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        SelectionKind.CoarseOnly => "coarse",
        SelectionKind.FineOnly => "fine",
        SelectionKind.TopK => $"topk:{Parameter.ToString(CultureInfo.InvariantCulture)}",
        SelectionKind.SelectorFraction => $"dns:{Parameter.ToString(CultureInfo.InvariantCulture)}",
        _ => $"threshold:{Parameter.ToString(CultureInfo.InvariantCulture)}",
    };
}
