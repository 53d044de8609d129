using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Tests.Kernels;

public class GemmTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesScalarAndDoubleReferences(SimdPath path)
    {
        // Packed-panel shapes end in a last block of 1 row (7, 13, 25) or 2 rows (8, 14: the short kernel, 14 also across
        // depth chunks), 4 rows (64) or none (6); the others take the dot scan.
        int seed = 300;
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (1, 5, 3), (7, 1, 17), (6, 32, 64), (13, 33, 129), (25, 70, 31), (2, 3, 4096), (64, 96, 300), (4, 3, 1024), (5, 37, 300), (11, 9, 257), (8, 17, 40), (14, 20, 300) })
        {
            float[] a = KernelTestData.Uniform(m * k, seed++);
            float[] b = KernelTestData.Uniform(n * k, seed++);
            var actual = new float[m * n];
            var scalar = new float[m * n];

            Gemm.MultiplyTransposed(a, b, actual, m, n, k, path);
            GemmScalar.MultiplyTransposed(a, b, scalar, m, n, k);

            string what = $"{path} m={m} n={n} k={k}";
            KernelTestData.ShouldBeClose(actual, scalar, KernelTestData.Tolerance(k), what);
            KernelTestData.ShouldBeClose(actual, DoubleReference.MultiplyTransposed(a, b, m, n, k), KernelTestData.Tolerance(k), what);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EmptyDepthGivesZerosAndEmptySidesWriteNothing(SimdPath path)
    {
        float[] c = [1f, 2f, 3f, 4f, 5f, 6f];
        Gemm.MultiplyTransposed([], [], c, 2, 3, 0, path);
        c.Should().OnlyContain(x => x == 0f);

        float[] untouched = [9f];
        Gemm.MultiplyTransposed([], new float[8], untouched, 0, 2, 4, path);
        Gemm.MultiplyTransposed(new float[8], [], untouched, 2, 0, 4, path);
        untouched[0].Should().Be(9f);
    }

    [Fact]
    public void RejectsBadShapes()
    {
        FluentActions.Invoking(() => Gemm.MultiplyTransposed(new float[5], new float[6], new float[6], 2, 3, 2))
            .Should().Throw<ArgumentException>().WithMessage("*a*5*2×2*");
        FluentActions.Invoking(() => Gemm.MultiplyTransposed(new float[4], new float[5], new float[6], 2, 3, 2))
            .Should().Throw<ArgumentException>().WithMessage("*b*3×2*");
        FluentActions.Invoking(() => Gemm.MultiplyTransposed(new float[4], new float[6], new float[5], 2, 3, 2))
            .Should().Throw<ArgumentException>().WithMessage("*c*2×3*");
        FluentActions.Invoking(() => Gemm.MultiplyTransposed([], [], [], -1, 0, 0))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
