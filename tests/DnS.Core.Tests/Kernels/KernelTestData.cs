using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;

namespace DnS.Core.Tests.Kernels;

/// <summary>Seeded inputs, the SIMD paths this machine supports, and float tolerances that scale with the reduction length.</summary>
internal static class KernelTestData
{
    public static TheoryData<SimdPath> SupportedPaths()
    {
        var data = new TheoryData<SimdPath>();
        foreach (SimdPath path in Enum.GetValues<SimdPath>())
        {
            if (SimdCapabilities.IsSupported(path))
            {
                data.Add(path);
            }
        }

        return data;
    }

    public static float[] Uniform(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int n = 0; n < count; n++)
        {
            values[n] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }

    public static float[] Signs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int n = 0; n < count; n++)
        {
            values[n] = random.Next(2) == 0 ? -1f : 1f;
        }

        return values;
    }

    /// <summary>Absolute tolerance for a float sum of <paramref name="length"/> products of values in [−1, 1].</summary>
    public static double Tolerance(int length) => 1e-6 + (2e-6 * length);

    public static void ShouldBeClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what)
    {
        actual.Length.Should().Be(expected.Length, what);
        for (int n = 0; n < actual.Length; n++)
        {
            Math.Abs(actual[n] - expected[n]).Should().BeLessThanOrEqualTo(tolerance, $"{what}[{n}] = {actual[n]} vs {expected[n]}");
        }
    }

    public static void ShouldBeClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what)
    {
        var wide = new double[expected.Length];
        for (int n = 0; n < wide.Length; n++)
        {
            wide[n] = expected[n];
        }

        ShouldBeClose(actual, wide, tolerance, what);
    }
}
