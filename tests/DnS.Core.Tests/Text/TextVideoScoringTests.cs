using DnS.Core.Text;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Text;

/// <summary>The fast and slow text–video scores against a plain double-precision reference written here.</summary>
public sealed class TextVideoScoringTests
{
    private const int Dimension = 67;   // not a multiple of any vector width, so every kernel tail runs

    [Fact]
    public void Text_pooled_video_embedding_is_the_normalized_mean_of_the_frames()
    {
        var random = new Random(11);
        float[] frames = UnitRows(random, 9);
        var pooled = new float[Dimension];

        TextVideoScoring.PoolFrames(frames, pooled);

        double[] mean = new double[Dimension];
        for (int t = 0; t < 9; t++)
            for (int k = 0; k < Dimension; k++)
                mean[k] += frames[t * Dimension + k] / 9.0;
        double norm = Math.Sqrt(mean.Sum(v => v * v));
        for (int k = 0; k < Dimension; k++)
            pooled[k].Should().BeApproximately((float)(mean[k] / norm), 1e-6f);
    }

    [Fact]
    public void Text_fast_scores_are_dot_products_with_the_pooled_videos()
    {
        var random = new Random(12);
        float[] text = UnitRows(random, 1), videos = UnitRows(random, 37);
        var scores = new float[37];

        TextVideoScoring.FastScores(text, videos, scores);

        for (int n = 0; n < 37; n++)
            scores[n].Should().BeApproximately((float)Dot(text, 0, videos, n), 1e-5f);
    }

    [Theory]
    [InlineData(1, 0.01f)]
    [InlineData(5, 0.01f)]
    [InlineData(33, 0.07f)]
    [InlineData(33, 1f)]
    [InlineData(120, 0.002f)]
    public void Text_slow_score_is_softmax_attention_over_frame_similarities(int frames, float temperature)
    {
        var random = new Random(frames);
        float[] text = UnitRows(random, 1), video = UnitRows(random, frames);

        float score = TextVideoScoring.SlowScore(text, video, temperature);

        double[] s = [.. Enumerable.Range(0, frames).Select(t => Dot(text, 0, video, t))];
        double max = s.Max();
        double[] e = [.. s.Select(v => Math.Exp((v - max) / temperature))];
        double expected = s.Zip(e, (v, w) => v * w).Sum() / e.Sum();
        score.Should().BeApproximately((float)expected, 1e-5f);
        score.Should().BeInRange((float)s.Min() - 1e-6f, (float)s.Max() + 1e-6f);
    }

    [Fact]
    public void Text_slow_score_moves_from_the_mean_to_the_best_frame_as_the_temperature_falls()
    {
        var random = new Random(21);
        float[] text = UnitRows(random, 1), video = UnitRows(random, 16);
        double[] s = [.. Enumerable.Range(0, 16).Select(t => Dot(text, 0, video, t))];

        TextVideoScoring.SlowScore(text, video, 1e4f).Should().BeApproximately((float)s.Average(), 1e-4f);
        TextVideoScoring.SlowScore(text, video, 1e-5f).Should().BeApproximately((float)s.Max(), 1e-5f);
    }

    [Fact]
    public void Text_scoring_rejects_inputs_that_do_not_fit()
    {
        float[] text = new float[Dimension];
        var ragged = () => TextVideoScoring.SlowScore(text, new float[Dimension + 1], 0.01f);
        var empty = () => TextVideoScoring.SlowScore(text, [], 0.01f);
        var cold = () => TextVideoScoring.SlowScore(text, new float[Dimension], 0f);
        var pool = () => TextVideoScoring.PoolFrames(new float[10], new float[Dimension]);

        ragged.Should().Throw<ArgumentException>().WithParameterName("frames");
        empty.Should().Throw<ArgumentException>().WithParameterName("frames");
        cold.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("temperature");
        pool.Should().Throw<ArgumentException>().WithParameterName("frames");
    }

    private static float[] UnitRows(Random random, int rows)
    {
        var values = new float[rows * Dimension];
        for (int r = 0; r < rows; r++)
        {
            double norm = 0;
            for (int k = 0; k < Dimension; k++)
            {
                values[r * Dimension + k] = (float)(random.NextDouble() * 2 - 1);
                norm += values[r * Dimension + k] * (double)values[r * Dimension + k];
            }

            for (int k = 0; k < Dimension; k++)
                values[r * Dimension + k] = (float)(values[r * Dimension + k] / Math.Sqrt(norm));
        }

        return values;
    }

    private static double Dot(float[] a, int row, float[] b, int other)
    {
        double sum = 0;
        for (int k = 0; k < Dimension; k++)
            sum += (double)a[row * Dimension + k] * b[other * Dimension + k];
        return sum;
    }
}
