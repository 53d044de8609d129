using DnS.Core.Features.Whitening;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features;

public sealed class PcaWhiteningTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-pca-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Golden_pca_construct_small_from_whitening_dict()
    {
        using var file = SafeTensorsFile.Open(SharedData.Golden("pca_construct_small.safetensors"));
        var pca = PcaWhitening.Load(file, components: 16, prefix: "white.");
        pca.Dimensions.Should().Be(48);
        pca.Components.Should().Be(16);
        GoldenComparison.ShouldMatch(pca.GetProjection(), file.ReadFloats("DVt", 48, 16), 1e-5, 1e-5, "pca_construct_small DVt", output);
        GoldenComparison.ShouldMatch(pca.Mean, file.ReadFloats("mean", 48), 0, 0, "pca_construct_small mean", output);

        var input = file.ReadFloats("input", 2, 9, 48);
        var copy = input.ToArray();
        var y = new float[2 * 9 * 16];
        pca.Whiten(input, y);
        input.Should().Equal(copy);
        GoldenComparison.ShouldMatch(y, file.ReadFloats("output", 2, 9, 16), 1e-5, 0, "pca_construct_small output", output);
    }

    [Fact]
    public async Task Save_and_load_round_trip_and_truncate_components()
    {
        var pca = PcaWhitening.Load(SharedData.Golden("pca.weights.safetensors"));
        string path = Path.Combine(_dir, "pca.safetensors");
        await pca.SaveAsync(path);
        var loaded = PcaWhitening.Load(path);
        loaded.GetProjection().Should().Equal(pca.GetProjection());
        loaded.Mean.ToArray().Should().Equal(pca.Mean.ToArray());

        var first8 = PcaWhitening.Load(path, components: 8);
        var full = pca.GetProjection();
        var part = first8.GetProjection();
        for (int i = 0; i < 3840; i++)
            part.AsSpan(i * 8, 8).ToArray().Should().Equal(full.AsSpan(i * 64, 8).ToArray());
        FluentActions.Invoking(() => PcaWhitening.Load(path, components: 65)).Should().Throw<WeightsFormatException>().WithMessage("*65 components*[3840, 64]*");
    }

    [Fact]
    public async Task Missing_tensors_and_bad_shapes_are_named()
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        await new SafeTensorsWriter().Add("mean", new float[4], 4).Add("DVt", new float[6], 3, 2).WriteAsync(path);
        FluentActions.Invoking(() => PcaWhitening.Load(path)).Should().Throw<WeightsFormatException>().WithMessage("*'DVt'*[3, 2]*[4, -1]*");
        string empty = Path.Combine(_dir, "nomean.safetensors");
        await new SafeTensorsWriter().Add("x", new float[1], 1).WriteAsync(empty);
        FluentActions.Invoking(() => PcaWhitening.Load(empty)).Should().Throw<WeightsFormatException>().WithMessage("*missing tensor 'mean'*");
        var pca = new PcaWhitening(new float[4], new float[8], 2);
        FluentActions.Invoking(() => pca.Whiten(new float[5], new float[2])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Learned_pca_whitens_training_data_to_identity_covariance()
    {
        const int d = 12, n = 4000;
        var data = CorrelatedGaussian(d, n, seed: 3);
        var trainer = new PcaTrainer(d);
        // Uneven chunks: the statistics must not depend on how the stream is split.
        trainer.Add(data.AsSpan(0, 7 * d));
        trainer.Add(data.AsSpan(7 * d, 1000 * d));
        trainer.Add(data.AsSpan(1007 * d));
        trainer.Count.Should().Be(n);
        var pca = trainer.Fit(d);

        var projected = new float[n * d];
        pca.Project(data, projected);
        var cov = SampleCovariance(projected, n, d);
        double worst = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                worst = Math.Max(worst, Math.Abs(cov[i, j] - (i == j ? 1 : 0)));
        output.WriteLine($"whitened covariance: worst |C − I| = {worst:E3}");
        worst.Should().BeLessThan(1e-3);

        var whitened = new float[n * d];
        pca.Whiten(data, whitened);
        for (int r = 0; r < 5; r++) Norm(whitened.AsSpan(r * d, d)).Should().BeApproximately(1f, 1e-5f);
    }

    [Fact]
    public void Learned_statistics_and_components_match_a_direct_computation()
    {
        const int d = 6, n = 300;
        var data = CorrelatedGaussian(d, n, seed: 11);
        for (int i = 0; i < data.Length; i++) data[i] += 50; // a large mean: the shifted accumulation must not cancel
        var trainer = new PcaTrainer(d);
        for (int r = 0; r < n; r += 37) trainer.Add(data.AsSpan(r * d, Math.Min(37, n - r) * d));

        // Direct two-pass mean and covariance.
        var mean = new double[d];
        for (int r = 0; r < n; r++) for (int i = 0; i < d; i++) mean[i] += data[r * d + i] / (double)n;
        var direct = new double[d, d];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    direct[i, j] += (data[r * d + i] - mean[i]) * (data[r * d + j] - mean[j]) / (n - 1);
        var learnedMean = trainer.Mean();
        var cov = trainer.Covariance();
        for (int i = 0; i < d; i++)
        {
            learnedMean[i].Should().BeApproximately(mean[i], 1e-9);
            for (int j = 0; j < d; j++) cov[i * d + j].Should().BeApproximately(direct[i, j], 1e-9);
        }

        // Each kept column k of DVt is an eigenvector scaled by 1/√(λk + 1e-7): Σ·u = λ·u with u = col·√λ,
        // columns ordered by descending λ, and DVtᵀ Σ DVt = I.
        var pca = trainer.Fit(4);
        var dvt = pca.GetProjection();
        double previous = double.PositiveInfinity;
        for (int k = 0; k < 4; k++)
        {
            var col = new double[d];
            for (int i = 0; i < d; i++) col[i] = dvt[i * 4 + k];
            double sq = col.Sum(v => v * v);
            double lambda = 1 / sq - 1e-7;
            lambda.Should().BeLessThanOrEqualTo(previous * (1 + 1e-6));
            previous = lambda;
            for (int i = 0; i < d; i++)
            {
                double sigmaU = 0;
                for (int j = 0; j < d; j++) sigmaU += direct[i, j] * col[j];
                sigmaU.Should().BeApproximately(lambda * col[i], 1e-4 * Math.Sqrt(lambda));
            }
        }
        pca.Mean.ToArray().Select(v => (double)v).Should().Equal(mean, (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Trainer_rejects_bad_input()
    {
        var trainer = new PcaTrainer(3);
        FluentActions.Invoking(() => trainer.Add(new float[4])).Should().Throw<ArgumentException>().WithMessage("*multiple of D = 3*");
        FluentActions.Invoking(() => trainer.Add([1, float.NaN, 0])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => trainer.Fit(2)).Should().Throw<InvalidOperationException>().WithMessage("*at least 2 vectors*");
        trainer.Add(new float[6]);
        FluentActions.Invoking(() => trainer.Fit(4)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static float Norm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float f in v) s += (double)f * f;
        return (float)Math.Sqrt(s);
    }

    /// <summary>x = A·z + b with z standard normal: a random full-rank covariance A·Aᵀ and a random mean.</summary>
    internal static float[] CorrelatedGaussian(int d, int n, int seed)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var a = new double[d, d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) a[i, j] = Normal() * (i == j ? 2 : 0.5);
        var b = new double[d];
        for (int i = 0; i < d; i++) b[i] = Normal();
        var data = new float[n * d];
        var z = new double[d];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < d; i++) z[i] = Normal();
            for (int i = 0; i < d; i++)
            {
                double v = b[i];
                for (int j = 0; j < d; j++) v += a[i, j] * z[j];
                data[r * d + i] = (float)v;
            }
        }
        return data;
    }

    private static double[,] SampleCovariance(float[] x, int n, int d)
    {
        var mean = new double[d];
        for (int r = 0; r < n; r++) for (int i = 0; i < d; i++) mean[i] += x[r * d + i] / (double)n;
        var cov = new double[d, d];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    cov[i, j] += (x[r * d + i] - mean[i]) * (x[r * d + j] - mean[j]) / (n - 1);
        return cov;
    }
}
