using DnS.Core.Kernels;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>The int8 pre-ranking (<see cref="Int8Quantization"/> codes scanned by <see cref="QuantizedDotKernel"/>, as the
/// engine does over a store's codes) and fp16 against the float scan on realistic coarse vectors: L2-normalized Gaussian rows
/// (the coarse student's embeddings are L2-normalized) and queries that are either unrelated or noisy near-copies of
/// a library row, the retrieval case.</summary>
public sealed class QuantizedPreRankingTests(ITestOutputHelper output)
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

    private static int[] FloatTop(float[] query, ReadOnlySpan<float> scoresOrNull = default)
    {
        var all = new float[Videos];
        if (scoresOrNull.IsEmpty)
            DotKernel.OneVsMany(query, Library.Value, all);
        else
            scoresOrNull.CopyTo(all);
        var ordinals = new int[Top];
        var scores = new float[Top];
        TopK.Select(all, ordinals, scores);
        return ordinals;
    }

    [Fact]
    public void QuantizedPreRankingRecallAt100IsHighAndReported()
    {
        // Library codes as a store keeps them: D int8 codes and one scale per vector.
        var codes = new sbyte[Videos * Dims];
        var scales = new float[Videos];
        for (int n = 0; n < Videos; n++)
            scales[n] = Int8Quantization.Quantize(Library.Value.AsSpan(n * Dims, Dims), codes.AsSpan(n * Dims, Dims));
        var queryCodes = new sbyte[Dims];
        var approximate = new float[Videos];
        var halves = new float[Videos * Dims];
        for (int k = 0; k < halves.Length; k++)
            halves[k] = (float)(Half)Library.Value[k];
        double int8Recall = 0, halfRecall = 0, worstInt8 = 1;
        var queries = Queries();
        foreach (float[] query in queries)
        {
            var truth = FloatTop(query).ToHashSet();
            float queryScale = Int8Quantization.Quantize(query, queryCodes);
            QuantizedDotKernel.OneVsMany(queryCodes, queryScale, codes, scales, approximate);
            double recall = FloatTop(query, approximate).Count(truth.Contains) / (double)Top;
            int8Recall += recall / queries.Length;
            worstInt8 = Math.Min(worstInt8, recall);
            DotKernel.OneVsMany(query, halves, approximate);
            halfRecall += FloatTop(query, approximate).Count(truth.Contains) / (double)Top / queries.Length;
        }

        output.WriteLine($"recall@{Top} of the pre-ranking vs float over {Videos}×{Dims} unit vectors, {queries.Length} queries: " +
            $"int8 mean {int8Recall:F4} (worst {worstInt8:F2}), fp16 mean {halfRecall:F4}");
        int8Recall.Should().BeGreaterThan(0.9);
        halfRecall.Should().BeGreaterThan(int8Recall, "fp16 keeps 11 significant bits against int8's 7");
    }
}
