using DnS.Training.Teachers;
using DnS.Training.Tests.SelfSupervised;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Teachers;

public sealed class WhitenedTeacherTests
{
    private const int R = 4, D = 6;

    // Correlated, anisotropic region vectors (dimension scales 1..6, a shared component), so whitening changes the ranking.
    private static ArrayFeatureSource Anisotropic(int videos, int seed)
    {
        var random = new Random(seed);
        var features = new float[videos][];
        for (int v = 0; v < videos; v++)
        {
            int frames = 3 + random.Next(4);
            features[v] = new float[frames * R * D];
            for (int row = 0; row < frames * R; row++)
            {
                double shared = random.NextDouble() - 0.5;
                for (int d = 0; d < D; d++) features[v][row * D + d] = (float)((d + 1) * (random.NextDouble() - 0.5) + 3 * shared + 0.2 * d);
            }
        }
        return new ArrayFeatureSource([.. Enumerable.Range(0, videos).Select(v => $"v{v}")], features, R, D);
    }

    [Fact]
    public void The_whitened_chamfer_equals_a_chamfer_under_the_inverse_covariance_computed_independently()
    {
        var source = Anisotropic(5, seed: 9);
        var teacher = WhitenedTeacher.Fit(source);

        // Oracle: with every component kept, ⟨W(x−μ), W(y−μ)⟩ = (x−μ)ᵀC⁻¹(y−μ) for any eigenbasis; C⁻¹ by Gauss–Jordan.
        var rows = Enumerable.Range(0, source.Count).SelectMany(v => Rows(source, v)).ToList();
        var mean = Enumerable.Range(0, D).Select(d => rows.Average(r => r[d])).ToArray();
        var cov = new double[D, D];
        foreach (var r in rows)
            for (int i = 0; i < D; i++)
                for (int j = 0; j < D; j++) cov[i, j] += (r[i] - mean[i]) * (r[j] - mean[j]) / rows.Count;
        var inverse = Invert(cov);
        double Dot(double[] x, double[] y)
        {
            double s = 0;
            for (int i = 0; i < D; i++)
                for (int j = 0; j < D; j++) s += (x[i] - mean[i]) * inverse[i, j] * (y[j] - mean[j]);
            return s;
        }
        double Cosine(double[] x, double[] y) => Dot(x, y) / Math.Sqrt(Dot(x, x) * Dot(y, y));

        bool rankingChanged = false;
        for (int q = 0; q < source.Count; q++)
            for (int t = 0; t < source.Count; t++)
            {
                double expected = Chamfer(source, q, t, Cosine);
                teacher.Score(source, q, t).Should().BeApproximately((float)expected, 2e-4f, $"pair ({q}, {t})");
                double raw = Chamfer(source, q, t, (x, y) => x.Zip(y, (a, b) => a * b).Sum() / Math.Sqrt(x.Sum(a => a * a) * y.Sum(b => b * b)));
                rankingChanged |= Math.Abs(raw - expected) > 0.05;
            }
        rankingChanged.Should().BeTrue("whitening anisotropic features changes the chamfer");
        teacher.Whitening.Components.Should().Be(D);
        WhitenedTeacher.Fit(source, components: 3).Whitening.Components.Should().Be(3);
    }

    [Fact]
    public void Features_of_another_dimension_are_refused()
    {
        var teacher = WhitenedTeacher.Fit(Anisotropic(3, seed: 1));
        var other = ArrayFeatureSource.Random(2, R, D + 2, seed: 2);
        teacher.Invoking(t => t.Score(other, 0, 1)).Should().Throw<ArgumentException>().WithMessage("*D = 8*D = 6*");
    }

    private static IEnumerable<double[]> Rows(ArrayFeatureSource source, int video)
    {
        var f = source.GetFeatures(video).ToArray();
        for (int r = 0; r < f.Length / D; r++) yield return f.Skip(r * D).Take(D).Select(x => (double)x).ToArray();
    }

    // Mean over query frames of the max over target frames of the mean over query regions of the max region similarity.
    private static double Chamfer(ArrayFeatureSource source, int q, int t, Func<double[], double[], double> similarity)
    {
        var qr = Rows(source, q).ToArray();
        var tr = Rows(source, t).ToArray();
        return Enumerable.Range(0, qr.Length / R).Average(i => Enumerable.Range(0, tr.Length / R).Max(j =>
            Enumerable.Range(0, R).Average(o => Enumerable.Range(0, R).Max(p => similarity(qr[i * R + o], tr[j * R + p])))));
    }

    private static double[,] Invert(double[,] m)
    {
        int n = m.GetLength(0);
        var a = new double[n, 2 * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i, j] = m[i, j];
            a[i, n + i] = 1;
        }
        for (int c = 0; c < n; c++)
        {
            int pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(a[r, c]));
            for (int j = 0; j < 2 * n; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            double diagonal = a[c, c];
            for (int j = 0; j < 2 * n; j++) a[c, j] /= diagonal;
            for (int r = 0; r < n; r++)
            {
                if (r == c) continue;
                double factor = a[r, c];
                for (int j = 0; j < 2 * n; j++) a[r, j] -= factor * a[c, j];
            }
        }
        var inverse = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) inverse[i, j] = a[i, n + j];
        return inverse;
    }
}
