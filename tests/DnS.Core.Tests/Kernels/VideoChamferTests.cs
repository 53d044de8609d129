using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Tests.Kernels;

public class VideoChamferTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesReferences(SimdPath path)
    {
        int seed = 500;
        foreach ((int rows, int cols) in new[] { (1, 1), (1, 33), (33, 1), (3, 17), (40, 40), (129, 7), (64, 300) })
        {
            float[] s = KernelTestData.Uniform(rows * cols, seed++);
            double rowWise = 0;
            for (int i = 0; i < rows; i++)
            {
                double best = double.NegativeInfinity;
                for (int j = 0; j < cols; j++)
                {
                    best = Math.Max(best, s[(i * cols) + j]);
                }

                rowWise += best;
            }

            double colWise = 0;
            for (int j = 0; j < cols; j++)
            {
                double best = double.NegativeInfinity;
                for (int i = 0; i < rows; i++)
                {
                    best = Math.Max(best, s[(i * cols) + j]);
                }

                colWise += best;
            }

            double similarity = rowWise / rows;
            double symmetric = 0.5 * (similarity + (colWise / cols));
            string what = $"{path} {rows}×{cols}";

            ((double)VideoChamfer.Similarity(s, rows, cols, path)).Should().BeApproximately(similarity, 1e-5, what);
            VideoChamfer.Similarity(s, rows, cols, path).Should().Be(VideoChamferScalar.Similarity(s, rows, cols), what);
            ((double)VideoChamfer.Symmetric(s, rows, cols, path)).Should().BeApproximately(symmetric, 1e-5, what);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void NaNPropagatesAndEmptyIsNaN(SimdPath path)
    {
        float[] s = KernelTestData.Uniform(5 * 37, 9);
        s[(3 * 37) + 36] = float.NaN;

        float.IsNaN(VideoChamfer.Similarity(s, 5, 37, path)).Should().BeTrue();
        float.IsNaN(VideoChamfer.Symmetric(s, 5, 37, path)).Should().BeTrue();
        float.IsNaN(VideoChamfer.Similarity([], 0, 4, path)).Should().BeTrue();
        float.IsNaN(VideoChamfer.Symmetric([], 3, 0, path)).Should().BeTrue();
    }

    [Fact]
    public void RejectsMismatchedShape() =>
        FluentActions.Invoking(() => VideoChamfer.Similarity(new float[5], 2, 3))
            .Should().Throw<ArgumentException>().WithMessage("*s*5*2×3*");
}
