using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Kernels;

public class QuantizedDotKernelTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    private static sbyte[] Codes(int count, int seed)
    {
        var random = new Random(seed);
        var codes = new sbyte[count];
        for (int n = 0; n < count; n++)
        {
            codes[n] = (sbyte)random.Next(sbyte.MinValue, sbyte.MaxValue + 1);
        }

        return codes;
    }

    /// <summary>Independent oracle: the dot in 64-bit integers, then the scales in the documented order.</summary>
    private static float Oracle(ReadOnlySpan<sbyte> query, float queryScale, ReadOnlySpan<sbyte> row, float rowScale)
    {
        long sum = 0;
        for (int k = 0; k < query.Length; k++)
        {
            sum += (long)query[k] * row[k];
        }

        sum.Should().BeInRange(int.MinValue, int.MaxValue);
        return (float)sum * rowScale * queryScale;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void QuantizedScanEqualsTheIntegerOracleBitForBit(SimdPath path)
    {
        int seed = 300;
        foreach ((int rows, int dims) in new[] { (1, 1), (3, 3), (5, 7), (6, 8), (9, 17), (13, 33), (7, 100), (37, 1024), (4, 4099), (0, 8) })
        {
            sbyte[] query = Codes(dims, seed++);
            sbyte[] codes = Codes(rows * dims, seed++);
            float[] scales = KernelTestData.Uniform(rows, seed++);
            const float queryScale = 0.0123f;
            var actual = new float[rows + 1];
            actual[rows] = 7f;
            var scalar = new float[rows];

            QuantizedDotKernel.OneVsMany(query, queryScale, codes, scales, actual, path);
            QuantizedDotScalar.OneVsMany(query, queryScale, codes, scales, scalar, rows);

            for (int n = 0; n < rows; n++)
            {
                float expected = Oracle(query, queryScale, codes.AsSpan(n * dims, dims), scales[n]);
                actual[n].Should().Be(expected, $"{path} N={rows} D={dims} row {n}");
                scalar[n].Should().Be(expected, $"scalar N={rows} D={dims} row {n}");
            }

            actual[rows].Should().Be(7f, "only the first N scores are written");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void QuantizedScanIsExactAtTheLongestDimension(SimdPath path)
    {
        // Every product is (−128)·(−128) = 2¹⁴: the sum reaches 2³¹ − 2¹⁴, one step short of overflowing int32.
        int dims = QuantizedDotKernel.MaxDimensions;
        var query = new sbyte[dims];
        var codes = new sbyte[2 * dims];
        query.AsSpan().Fill(sbyte.MinValue);
        codes.AsSpan().Fill(sbyte.MinValue);
        codes[dims + 5] = 1;
        var scores = new float[2];

        QuantizedDotKernel.OneVsMany(query, 1f, codes, [1f, 1f], scores, path);

        scores[0].Should().Be((float)(dims * 16384L));
        scores[1].Should().Be((float)(((dims - 1) * 16384L) - 128));
    }

    [Fact]
    public void QuantizedScanRejectsBadShapes()
    {
        var scores = new float[3];
        FluentActions.Invoking(() => QuantizedDotKernel.OneVsMany(new sbyte[4], 1f, new sbyte[9], new float[3], scores))
            .Should().Throw<ArgumentException>().WithMessage("*codes*9*");
        FluentActions.Invoking(() => QuantizedDotKernel.OneVsMany(new sbyte[4], 1f, new sbyte[12], new float[2], scores))
            .Should().Throw<ArgumentException>().WithMessage("*scales*2*3*");
        FluentActions.Invoking(() => QuantizedDotKernel.OneVsMany(new sbyte[4], 1f, new sbyte[16], new float[4], scores))
            .Should().Throw<ArgumentException>().WithMessage("*scores*3*4*");
        FluentActions.Invoking(() => QuantizedDotKernel.OneVsMany([], 1f, new sbyte[12], new float[3], scores))
            .Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => QuantizedDotKernel.OneVsMany(new sbyte[QuantizedDotKernel.MaxDimensions + 1], 1f, [], [], scores))
            .Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void QuantizationRoundTripsWithinHalfAStep()
    {
        float[] vector = KernelTestData.Uniform(1000, 7);
        vector[17] = -1.5f;
        var codes = new sbyte[vector.Length];

        float scale = Int8Quantization.Quantize(vector, codes);

        scale.Should().Be(1.5f / 127);
        codes[17].Should().Be(-127, "the largest magnitude maps to the end of the range");
        for (int k = 0; k < vector.Length; k++)
        {
            Math.Abs((codes[k] * (double)scale) - vector[k]).Should().BeLessThanOrEqualTo((scale / 2) * 1.0001, $"element {k}");
        }
    }

    [Fact]
    public void QuantizationOfZeroIsZeroAndNonFiniteIsRejected()
    {
        var codes = new sbyte[4];
        codes[2] = 9;
        Int8Quantization.Quantize(new float[4], codes).Should().Be(0f);
        codes.Should().AllBeEquivalentTo((sbyte)0);

        FluentActions.Invoking(() => Int8Quantization.Quantize([1f, float.NaN, 0f, 2f], codes))
            .Should().Throw<ArgumentException>().WithMessage("*NaN*");
        FluentActions.Invoking(() => Int8Quantization.Quantize([1f, float.NegativeInfinity, 0f, 2f], codes))
            .Should().Throw<ArgumentException>().WithMessage("*infinity*");
    }
}
