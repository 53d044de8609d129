namespace DnS.Core.Evaluation;

/// <summary>
/// <c>numpy.mean</c> of float64 values bit for bit: numpy's pairwise summation (8 interleaved partial sums
/// for blocks up to 128, recursive halving above), then one division. A plain loop differs by a few ulp.
/// </summary>
public static class NumpyMean
{
    private const int Block = 128;

    /// <summary>The mean as numpy computes it (NaN for an empty input, as numpy returns).</summary>
    public static double Mean(ReadOnlySpan<double> values) => values.Length == 0 ? double.NaN : PairwiseSum(values) / values.Length;

    /// <summary>numpy's <c>pairwise_sum</c> for doubles.</summary>
    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double s = 0.0;
            for (int i = 0; i < n; i++) s += a[i];
            return s;
        }
        if (n <= Block)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i;
            for (i = 8; i < n - n % 8; i += 8)
                for (int k = 0; k < 8; k++) r[k] += a[i + k];
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }
}
