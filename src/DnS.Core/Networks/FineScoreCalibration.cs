using System.Globalization;
using System.Text.Json.Serialization;

namespace DnS.Core.Networks;

/// <summary>
/// Puts the fine student's similarity s ∈ [−1, 1] on the coarse student's scale, so a ranking can mix re-ranked pairs
/// (fine) with the others (coarse): <c>merged = Scale·s + Offset</c>. The reference evaluation uses s/2 + 0.5
/// (<see cref="Reference"/>), the default of every model folder; a folder may name another map as <c>fineCalibration</c>
/// in its dns-models.json, and its selector must then be labeled with the same map (fitted maps were measured and
/// ranked below the reference, docs/training.md). Immutable.
/// </summary>
public sealed record FineScoreCalibration
{
    /// <summary>Creates a calibration.</summary>
    /// <param name="scale">Slope; positive, so the fine ranking is kept.</param>
    /// <param name="offset">Intercept.</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not a positive finite number, or the offset is not finite.</exception>
    public FineScoreCalibration(float scale, float offset)
    {
        if (!(scale > 0 && float.IsFinite(scale))) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the fine score calibration's scale must be positive and finite");
        if (!float.IsFinite(offset)) throw new ArgumentOutOfRangeException(nameof(offset), offset, "the fine score calibration's offset must be finite");
        Scale = scale;
        Offset = offset;
    }

    /// <summary>The reference evaluation's mapping s/2 + 0.5 (and the default of a model folder that names none).</summary>
    public static FineScoreCalibration Reference { get; } = new(0.5f, 0.5f);

    /// <summary>Slope applied to the fine similarity.</summary>
    public float Scale { get; }

    /// <summary>Intercept added after scaling.</summary>
    public float Offset { get; }

    /// <summary>
    /// What a top-K policy adds to <see cref="Map"/> so its re-ranked shortlist stays ahead of every coarse score
    /// (coarse ∈ [−1, 1]): 1 − Map(−1), so the lifted scores lie in [1, 1 + 2·Scale]. It is 1 for <see cref="Reference"/>.
    /// </summary>
    [JsonIgnore]
    public float ShortlistLift => 1 - Map(-1);

    /// <summary>The fine similarity on the coarse scale.</summary>
    public float Map(float fineSimilarity) => Scale * fineSimilarity + Offset;

    /// <summary>The map as a formula, e.g. <c>0.5·s + 0.5</c> (4 decimals, invariant culture).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Scale:0.####}·s {(Offset < 0 ? '−' : '+')} {Math.Abs(Offset):0.####}");
}
