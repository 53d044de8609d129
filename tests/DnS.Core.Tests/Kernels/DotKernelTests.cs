using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Tests.Kernels;

public class DotKernelTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesScalarAndDoubleReferences(SimdPath path)
    {
        int seed = 100;
        foreach ((int rows, int dims) in new[] { (1, 1), (3, 3), (5, 17), (9, 33), (13, 129), (37, 1024), (4, 4096), (0, 8) })
        {
            float[] query = KernelTestData.Uniform(dims, seed++);
            float[] matrix = KernelTestData.Uniform(rows * dims, seed++);
            var actual = new float[rows + 1];
            actual[rows] = 7f;
            var scalar = new float[rows];
            var wide = new double[rows];
            for (int n = 0; n < rows; n++)
            {
                wide[n] = DoubleReference.Dot(query, matrix.AsSpan(n * dims, dims));
            }

            DotKernel.OneVsMany(query, matrix, actual, path);
            DotScalar.OneVsMany(query, matrix, scalar, rows);

            string what = $"{path} N={rows} D={dims}";
            KernelTestData.ShouldBeClose(actual.AsSpan(0, rows), scalar, KernelTestData.Tolerance(dims), what);
            KernelTestData.ShouldBeClose(actual.AsSpan(0, rows), wide, KernelTestData.Tolerance(dims), what);
            actual[rows].Should().Be(7f, "only the first N scores are written");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void NaNStaysInItsRow(SimdPath path)
    {
        const int dims = 21;
        float[] query = KernelTestData.Uniform(dims, 1);
        float[] matrix = KernelTestData.Uniform(11 * dims, 2);
        matrix[(6 * dims) + 20] = float.NaN;
        var scores = new float[11];

        DotKernel.OneVsMany(query, matrix, scores, path);

        for (int n = 0; n < scores.Length; n++)
        {
            float.IsNaN(scores[n]).Should().Be(n == 6, $"row {n}");
        }
    }

    [Fact]
    public void RejectsBadShapes()
    {
        var scores = new float[2];
        FluentActions.Invoking(() => DotKernel.OneVsMany(new float[4], new float[9], scores))
            .Should().Throw<ArgumentException>().WithMessage("*matrix*9*");
        FluentActions.Invoking(() => DotKernel.OneVsMany(new float[4], new float[12], scores))
            .Should().Throw<ArgumentException>().WithMessage("*scores*3*");
        FluentActions.Invoking(() => DotKernel.OneVsMany([], new float[12], scores))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
