namespace DnS.Training.Text;

/// <summary>How well one model's text–video scores reproduce another's rankings, averaged over queries.</summary>
/// <param name="Queries">Queries compared.</param>
/// <param name="Spearman">Mean Spearman rank correlation of the two score rows over all videos.</param>
/// <param name="TopKOverlap">Mean share of the teacher's top K videos that are in the student's top K.</param>
/// <param name="K">K of <paramref name="TopKOverlap"/> (10, or the corpus size when smaller).</param>
public sealed record TextAgreement(int Queries, double Spearman, double TopKOverlap, int K)
{
    /// <summary>Compares the rows <paramref name="queries"/> of two Q×N score matrices (teacher and student).</summary>
    /// <exception cref="ArgumentException">The matrices differ in size or do not hold whole rows of <paramref name="videos"/>.</exception>
    internal static TextAgreement Measure(float[] teacher, float[] student, int videos, IReadOnlyList<int> queries, int k = 10)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(videos);
        if (teacher.Length != student.Length || teacher.Length % videos != 0)
            throw new ArgumentException($"score matrices of {teacher.Length} and {student.Length} floats are not two Q×{videos} matrices", nameof(student));
        k = Math.Min(k, videos);
        double spearman = 0, overlap = 0;
        foreach (int q in queries)
        {
            var t = teacher.AsSpan(q * videos, videos);
            var s = student.AsSpan(q * videos, videos);
            spearman += Pearson(Ranks(t), Ranks(s));
            var top = new HashSet<int>(TopK(s, k));
            overlap += (double)TopK(t, k).Count(top.Contains) / k;
        }
        int n = Math.Max(queries.Count, 1);
        return new TextAgreement(queries.Count, spearman / n, overlap / n, k);
    }

    // Ranks 1..N with ties given their mean rank (Spearman's convention).
    private static double[] Ranks(ReadOnlySpan<float> scores)
    {
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[scores.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && keys[end + 1] == keys[start]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) ranks[order[i]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static double Pearson(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    // The k best videos, ties broken by the lower index.
    private static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        var values = scores.ToArray();
        var order = new int[values.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        return order[..k];
    }
}
