namespace DnS.Training.Teachers;

/// <summary>
/// Whiten-MTD at the level of pair scores (method §2): several teachers' similarities live on incommensurable
/// scales, so each teacher is standardized over the sampled pairs, z = (s − μ)/σ, the z-scores are fused
/// (<see cref="FusionMethod"/>), and the fused z is mapped back to the similarity range as the student's L1 target.
/// </summary>
/// <remarks>
/// <para>Mapping back: target = clamp(z·σ̄ + μ̄, −1, 1), with μ̄ and σ̄ the means (weighted means for
/// <see cref="FusionMethod.Weighted"/>) of the teachers' μ and σ. The target thus has the center and spread of a
/// typical teacher — so an L1 loss against a student whose similarities lie in [−1, 1] keeps its meaning — and the clamp
/// keeps the max/min tails inside the range the student can produce.</para>
/// <para>One teacher: its raw scores are the targets (standardizing and mapping back would be the identity up to
/// the clamp). A teacher with σ = 0 carries no ranking information: its z-scores are 0.</para>
/// </remarks>
public static class ScoreFusion
{
    /// <summary>Fuses the score columns of <paramref name="cache"/> (all its teachers, in column order).</summary>
    /// <exception cref="ArgumentException">The weights do not fit the teachers.</exception>
    public static IReadOnlyList<ScoredPair> Fuse(TeacherScoreCache cache, ScoreFusionOptions? options = null)
    {
        var columns = new ReadOnlyMemory<float>[cache.TeacherNames.Count];
        for (int t = 0; t < columns.Length; t++) columns[t] = cache.GetScores(t);
        return Fuse(cache.Pairs, columns, options);
    }

    /// <summary>Fuses per-teacher score columns (each one score per pair, in pair order) into training targets.</summary>
    /// <exception cref="ArgumentException">No teacher, a column of the wrong length, or weights that do not fit the teachers.</exception>
    public static IReadOnlyList<ScoredPair> Fuse(IReadOnlyList<SampledPair> pairs, IReadOnlyList<ReadOnlyMemory<float>> teacherScores, ScoreFusionOptions? options = null)
    {
        options ??= new ScoreFusionOptions();
        options.Validate();
        int teachers = teacherScores.Count;
        if (teachers == 0) throw new ArgumentException("at least one teacher's scores are needed", nameof(teacherScores));
        for (int t = 0; t < teachers; t++)
            if (teacherScores[t].Length != pairs.Count)
                throw new ArgumentException($"teacher {t} has {teacherScores[t].Length} scores for {pairs.Count} pairs", nameof(teacherScores));
        var result = new ScoredPair[pairs.Count];
        if (teachers == 1)
        {
            var raw = teacherScores[0].Span;
            for (int i = 0; i < result.Length; i++) result[i] = new ScoredPair(pairs[i].Anchor, pairs[i].Other, pairs[i].Kind, raw[i]);
            return result;
        }

        double[] weights = Weights(options, teachers);
        var z = new float[teachers][];
        double meanOfMeans = 0, meanOfDeviations = 0;
        for (int t = 0; t < teachers; t++)
        {
            z[t] = new float[pairs.Count];
            var statistics = Standardize(teacherScores[t].Span, z[t]);
            meanOfMeans += weights[t] * statistics.Mean;
            meanOfDeviations += weights[t] * statistics.StandardDeviation;
        }
        for (int i = 0; i < result.Length; i++)
        {
            var pair = pairs[i];
            double fused = options.Method switch
            {
                FusionMethod.MaxMin => Extreme(z, i, pair.Kind == PairKind.Positive),
                _ => WeightedMean(z, i, weights),
            };
            float target = (float)Math.Clamp(fused * meanOfDeviations + meanOfMeans, -1, 1);
            result[i] = new ScoredPair(pair.Anchor, pair.Other, pair.Kind, target);
        }
        return result;
    }

    /// <summary>Writes z = (s − μ)/σ of <paramref name="scores"/> into <paramref name="z"/> (all 0 when σ = 0) and returns μ and σ.</summary>
    /// <exception cref="ArgumentException"><paramref name="z"/> is shorter than the scores, or there are no scores.</exception>
    public static TeacherStatistics Standardize(ReadOnlySpan<float> scores, Span<float> z)
    {
        if (scores.IsEmpty) throw new ArgumentException("no scores to standardize", nameof(scores));
        if (z.Length < scores.Length) throw new ArgumentException($"z needs {scores.Length} floats, got {z.Length}", nameof(z));
        double sum = 0;
        foreach (float s in scores) sum += s;
        double mean = sum / scores.Length, squares = 0;
        foreach (float s in scores) squares += (s - mean) * (s - mean);
        double deviation = Math.Sqrt(squares / scores.Length);
        for (int i = 0; i < scores.Length; i++) z[i] = deviation > 0 ? (float)((scores[i] - mean) / deviation) : 0f;
        return new TeacherStatistics(mean, deviation);
    }

    // Uniform weights, except the normalized user weights for the weighted mean.
    internal static double[] Weights(ScoreFusionOptions options, int teachers)
    {
        var weights = new double[teachers];
        if (options.Method != FusionMethod.Weighted)
        {
            Array.Fill(weights, 1.0 / teachers);
            return weights;
        }
        var given = options.Weights!;   // options.Validate() requires them for weighted fusion
        if (given.Count != teachers) throw new ArgumentException($"{given.Count} weights for {teachers} teachers", nameof(options));
        double total = given.Sum(w => (double)w);
        for (int t = 0; t < teachers; t++) weights[t] = given[t] / total;
        return weights;
    }

    private static double WeightedMean(float[][] z, int pair, double[] weights)
    {
        double sum = 0;
        for (int t = 0; t < z.Length; t++) sum += weights[t] * z[t][pair];
        return sum;
    }

    private static double Extreme(float[][] z, int pair, bool maximum)
    {
        float best = z[0][pair];
        for (int t = 1; t < z.Length; t++) best = maximum ? Math.Max(best, z[t][pair]) : Math.Min(best, z[t][pair]);
        return best;
    }
}
