using FluentAssertions;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features;

/// <summary>Element-wise comparison against golden tensors with the manifest's abs/rel tolerances; reports the worst errors.</summary>
internal static class GoldenComparison
{
    /// <summary>Passes when every |a − e| ≤ abs + rel·|e| (numpy.allclose semantics); logs the worst abs and rel error.</summary>
    public static void ShouldMatch(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double abs, double rel, string what, ITestOutputHelper output)
    {
        actual.Length.Should().Be(expected.Length, what);
        double worstAbs = 0, worstRel = 0;
        int failures = 0, firstFailure = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i], err = Math.Abs(a - e);
            worstAbs = Math.Max(worstAbs, err);
            if (Math.Abs(e) > 1e-6) worstRel = Math.Max(worstRel, err / Math.Abs(e));
            if (!(err <= abs + rel * Math.Abs(e)))
            {
                failures++;
                if (firstFailure < 0) firstFailure = i;
            }
        }
        output.WriteLine($"{what}: {expected.Length} values, worst abs error {worstAbs:E3}, worst rel error {worstRel:E3} (tolerance abs {abs:E0}, rel {rel:E0})");
        failures.Should().Be(0, $"{what}: first mismatch at {firstFailure}" + (firstFailure >= 0 ? $" ({actual[firstFailure]} vs {expected[firstFailure]})" : ""));
    }
}
