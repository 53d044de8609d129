using DnS.Core.Kernels;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Kernels;

public class BatchDotKernelTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void BatchScoresEqualSingleQueryScoresBitForBit(SimdPath path)
    {
        int seed = 500;
        foreach (int dims in new[] { 1, 15, 16, 17, 67, 1024 })
        {
            foreach ((int queryCount, int rows) in new[] { (1, 1), (2, 5), (3, 4), (4, 13), (7, 9), (11, 3) })
            {
                float[] queries = KernelTestData.Uniform(queryCount * dims, seed++);
                float[] matrix = KernelTestData.Uniform(rows * dims, seed++);
                int stride = rows + 2;
                var batched = new float[queryCount * stride];
                batched.AsSpan().Fill(7f);

                BatchDotKernel.ManyVsMany(queries, matrix, dims, batched, stride, path);

                var single = new float[rows];
                for (int q = 0; q < queryCount; q++)
                {
                    DotKernel.OneVsMany(queries.AsSpan(q * dims, dims), matrix, single, path);
                    string what = $"{path} Q={queryCount} N={rows} D={dims} query {q}";
                    batched.AsSpan(q * stride, rows).ToArray().Should().Equal(single, what);
                    batched.AsSpan((q * stride) + rows, 2).ToArray().Should().Equal([7f, 7f], $"{what}: only N scores per row are written");
                    var wide = new double[rows];
                    for (int n = 0; n < rows; n++)
                    {
                        wide[n] = DoubleReference.Dot(queries.AsSpan(q * dims, dims), matrix.AsSpan(n * dims, dims));
                    }

                    KernelTestData.ShouldBeClose(single, wide, KernelTestData.Tolerance(dims), what);
                }
            }
        }
    }

    [Fact]
    public void BatchScanRejectsBadShapes()
    {
        var scores = new float[8];
        FluentActions.Invoking(() => BatchDotKernel.ManyVsMany(new float[7], new float[8], 4, scores, 2))
            .Should().Throw<ArgumentException>().WithMessage("*queries*7*");
        FluentActions.Invoking(() => BatchDotKernel.ManyVsMany(new float[8], new float[9], 4, scores, 2))
            .Should().Throw<ArgumentException>().WithMessage("*matrix*9*");
        FluentActions.Invoking(() => BatchDotKernel.ManyVsMany(new float[8], new float[12], 4, scores, 2))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*scoreStride*");
        FluentActions.Invoking(() => BatchDotKernel.ManyVsMany(new float[12], new float[12], 4, scores, 3))
            .Should().Throw<ArgumentException>().WithMessage("*scores*8*");
        FluentActions.Invoking(() => BatchDotKernel.ManyVsMany(new float[8], new float[8], 0, scores, 2))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
