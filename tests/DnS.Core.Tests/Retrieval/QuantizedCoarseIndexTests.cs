using DnS.Core.Kernels;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>The int8 coarse index against the float scan on realistic coarse vectors: L2-normalized Gaussian rows
/// (the coarse student's embeddings are L2-normalized) and queries that are either unrelated or noisy near-copies of
/// a library row, the retrieval case.</summary>
public sealed class QuantizedCoarseIndexTests(ITestOutputHelper output)
{
    private const int Videos = 10_000;
    private const int Dims = 1024;
    private const int Top = 100;

    private static readonly Lazy<float[]> Library = new(() => UnitRows(Videos, Dims, new Random(11)));

    private static float[] UnitRows(int rows, int dims, Random random)
    {
        var values = new float[rows * dims];
        for (int n = 0; n < rows; n++)
        {
            Normalize(values.AsSpan(n * dims, dims), random, noiseOf: null, noise: 1);
        }

        return values;
    }

    /// <summary>Fills <paramref name="row"/> with Gaussian noise (plus a source row) and scales it to unit length.</summary>
    internal static void Normalize(Span<float> row, Random random, float[]? noiseOf, float noise)
    {
        double norm = 0;
        for (int k = 0; k < row.Length; k++)
        {
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double value = (noiseOf?[k] ?? 0) + (noise * gaussian / Math.Sqrt(row.Length));
            row[k] = (float)value;
            norm += value * value;
        }

        float inverse = (float)(1 / Math.Sqrt(norm));
        for (int k = 0; k < row.Length; k++)
        {
            row[k] *= inverse;
        }
    }

    /// <summary>Six unrelated queries and six near-copies of library rows (noise of 0.5× the row's norm).</summary>
    private static float[][] Queries()
    {
        var random = new Random(12);
        var queries = new float[12][];
        for (int i = 0; i < queries.Length; i++)
        {
            queries[i] = new float[Dims];
            float[]? source = i < 6 ? null : Library.Value.AsSpan(random.Next(Videos) * Dims, Dims).ToArray();
            Normalize(queries[i], random, source, source is null ? 1 : 0.5f);
        }

        return queries;
    }

    private static (int[] Ordinals, float[] Scores) FloatTop(float[] query, ReadOnlySpan<float> scoresOrNull = default)
    {
        var all = new float[Videos];
        if (scoresOrNull.IsEmpty)
            DotKernel.OneVsMany(query, Library.Value, all);
        else
            scoresOrNull.CopyTo(all);
        var ordinals = new int[Top];
        var scores = new float[Top];
        TopK.Select(all, ordinals, scores);
        return (ordinals, scores);
    }

    [Fact]
    public void QuantizedSearchWithRescoringEqualsTheFloatRanking()
    {
        var index = QuantizedCoarseIndex.Quantize(Library.Value, Dims);
        index.BytesPerVector.Should().Be(Dims + 4);
        ((double)Dims * sizeof(float) / index.BytesPerVector).Should().BeGreaterThan(3.9);
        foreach (float[] query in Queries())
        {
            var (expectedOrdinals, expectedScores) = FloatTop(query);
            var ordinals = new int[Top];
            var scores = new float[Top];

            index.Search(query, Library.Value, candidates: 4 * Top, ordinals, scores).Should().Be(Top);

            ordinals.Should().Equal(expectedOrdinals);
            scores.Should().Equal(expectedScores, "re-scored candidates carry the float scan's own scores");
        }
    }

    [Fact]
    public void QuantizedPreRankingRecallAt100IsHighAndReported()
    {
        var index = QuantizedCoarseIndex.Quantize(Library.Value, Dims);
        var approximate = new float[Videos];
        var halves = new float[Videos * Dims];
        for (int k = 0; k < halves.Length; k++)
            halves[k] = (float)(Half)Library.Value[k];
        double int8Recall = 0, halfRecall = 0, worstInt8 = 1;
        var queries = Queries();
        foreach (float[] query in queries)
        {
            var truth = FloatTop(query).Ordinals.ToHashSet();
            index.Score(query, approximate);
            double recall = FloatTop(query, approximate).Ordinals.Count(truth.Contains) / (double)Top;
            int8Recall += recall / queries.Length;
            worstInt8 = Math.Min(worstInt8, recall);
            DotKernel.OneVsMany(query, halves, approximate);
            halfRecall += FloatTop(query, approximate).Ordinals.Count(truth.Contains) / (double)Top / queries.Length;
        }

        output.WriteLine($"recall@{Top} of the pre-ranking vs float over {Videos}×{Dims} unit vectors, {queries.Length} queries: " +
            $"int8 mean {int8Recall:F4} (worst {worstInt8:F2}), fp16 mean {halfRecall:F4}");
        int8Recall.Should().BeGreaterThan(0.9);
        halfRecall.Should().BeGreaterThan(int8Recall, "fp16 keeps 11 significant bits against int8's 7");
    }

    [Fact]
    public void QuantizedIndexRejectsBadInputNamingTheVector()
    {
        var vectors = new float[3 * 4];
        vectors[(2 * 4) + 1] = float.NaN;
        FluentActions.Invoking(() => QuantizedCoarseIndex.Quantize(vectors, 4))
            .Should().Throw<ArgumentException>().WithMessage("coarse vector 2:*NaN*");
        FluentActions.Invoking(() => QuantizedCoarseIndex.Quantize(new float[10], 4))
            .Should().Throw<ArgumentException>().WithMessage("*10*4*");

        var index = QuantizedCoarseIndex.Quantize(new float[12], 4);
        FluentActions.Invoking(() => index.Search(new float[4], new float[12], candidates: 1, new int[2], new float[2]))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*candidates*k = 2*");
        FluentActions.Invoking(() => index.Search(new float[4], new float[8], candidates: 2, new int[2], new float[2]))
            .Should().Throw<ArgumentException>().WithMessage("*vectors*8*");
        index.Search(new float[4], new float[12], candidates: 5, new int[5], new float[5]).Should().Be(3, "k is capped at the index size");
    }
}
