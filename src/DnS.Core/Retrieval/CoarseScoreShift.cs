namespace DnS.Core.Retrieval;

/// <summary>
/// How a selector policy ranks the pairs it did not re-score against those it did: the query's coarse scores move by the
/// median of (merged fine score − coarse score) over its re-scored pairs. A distilled coarse student's scale drifts from
/// its teacher's from query to query (on real footage it over-scores some queries' unrelated neighbors by 0.2–0.4), and a
/// fixed calibration then ranks re-scored copies under unrelated clips only the coarse stage saw; the query's own
/// re-scored pairs measure that drift where it matters. Ranks within each stage do not change.
/// </summary>
internal static class CoarseScoreShift
{
    /// <summary>The median of <paramref name="differences"/> (sorted in place); 0 when there are none.</summary>
    public static float Median(Span<float> differences)
    {
        int n = differences.Length;
        if (n == 0) return 0f;
        differences.Sort();
        return n % 2 == 1 ? differences[n / 2] : (differences[n / 2 - 1] + differences[n / 2]) / 2f;
    }
}
