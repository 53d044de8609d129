using FluentAssertions;
using static TorchSharp.torch;

namespace DnS.Training.Tests;

/// <summary>Element-wise |actual − expected| ≤ abs + rel·|expected| checks that report the worst error.</summary>
internal static class Tolerance
{
    /// <summary>Asserts closeness and returns the largest absolute error.</summary>
    public static double Check(Tensor actual, Tensor expected, double abs, double rel = 0, string what = "")
    {
        actual.shape.Should().Equal(expected.shape, what);
        return Check(ToArray(actual), ToArray(expected), abs, rel, what);
    }

    /// <summary>Asserts closeness and returns the largest absolute error.</summary>
    public static double Check(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double abs, double rel = 0, string what = "")
    {
        actual.Length.Should().Be(expected.Length, what);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            worst = Math.Max(worst, error);
            error.Should().BeLessThanOrEqualTo(abs + rel * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
        }
        return worst;
    }

    public static float[] ToArray(Tensor t) => t.detach().cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
}
