using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;

namespace DnS.Core.Tests.Kernels;

public class TopKTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesAFullSortWithLowerIndexWinningTies(SimdPath path)
    {
        var random = new Random(17);
        foreach ((int n, int k) in new[] { (1, 1), (10, 3), (100, 100), (5, 9), (1000, 10), (4099, 37), (20000, 1) })
        {
            // Few distinct values so ties are frequent; a sprinkle of NaN and infinities.
            var scores = new float[n];
            for (int i = 0; i < n; i++)
            {
                int pick = random.Next(40);
                scores[i] = pick switch { 0 => float.NaN, 1 => float.NegativeInfinity, 2 => float.PositiveInfinity, _ => pick / 7f };
            }

            int[] expected = Enumerable.Range(0, n)
                .OrderBy(i => float.IsNaN(scores[i]) ? 1 : 0)
                .ThenByDescending(i => float.IsNaN(scores[i]) ? 0f : scores[i])
                .ThenBy(i => i)
                .Take(k)
                .ToArray();
            var indices = new int[k];
            var values = new float[k];

            int count = TopK.Select(scores, indices, values, path);

            count.Should().Be(Math.Min(n, k));
            indices.AsSpan(0, count).ToArray().Should().Equal(expected, $"{path} n={n} k={k}");
            for (int i = 0; i < count; i++)
            {
                values[i].Should().Be(scores[indices[i]]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void NaNOnlyFillsWhenNumbersRunOut(SimdPath path)
    {
        float[] scores = [float.NaN, 1f, float.NaN, 3f];
        var indices = new int[3];
        var values = new float[3];

        TopK.Select(scores, indices, values, path).Should().Be(3);

        indices.Should().Equal(3, 1, 0);
        float.IsNaN(values[2]).Should().BeTrue();
    }

    [Fact]
    public void EmptyInputsWriteNothing()
    {
        TopK.Select([], new int[4], new float[4]).Should().Be(0);
        TopK.Select([1f, 2f], [], []).Should().Be(0);
    }

    [Fact]
    public void RejectsShortValues() =>
        FluentActions.Invoking(() => TopK.Select([1f, 2f, 3f], new int[3], new float[2]))
            .Should().Throw<ArgumentException>().WithMessage("*values*");
}
