using DnS.Core.Weights;
using FluentAssertions;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

/// <summary>Golden-vector comparisons with numpy.allclose semantics (|a − e| ≤ abs + rel·|e|), printing the worst errors.</summary>
internal sealed class GoldenComparison(ITestOutputHelper output)
{
    public static float[] Read(string file, string tensor)
    {
        using var source = SafeTensorsFile.Open(SharedData.Golden(file));
        return source.ReadFloats(tensor);
    }

    public static long[] ReadInt64(string file, string tensor)
    {
        using var source = SafeTensorsFile.Open(SharedData.Golden(file));
        return source.ReadInt64(tensor);
    }

    public void Close(string label, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs, double rel = 0)
    {
        actual.Length.Should().Be(expected.Length, label);
        double worstAbs = 0, worstRel = 0;
        int failures = 0, firstFailure = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i], diff = Math.Abs(a - e);
            worstAbs = Math.Max(worstAbs, diff);
            if (e != 0) worstRel = Math.Max(worstRel, diff / Math.Abs(e));
            if (!(diff <= abs + rel * Math.Abs(e)))
            {
                failures++;
                if (firstFailure < 0) firstFailure = i;
            }
        }
        output.WriteLine($"{label,-48} n={expected.Length,-7} worst abs {worstAbs:E2}  worst rel {worstRel:E2}  (tol abs {abs:E0}{(rel > 0 ? $", rel {rel:E0}" : "")})");
        failures.Should().Be(0, $"{label}: {failures} of {expected.Length} values out of tolerance, first at {firstFailure}" +
                                (firstFailure >= 0 ? $" (expected {expected[firstFailure]}, got {actual[firstFailure]})" : ""));
    }

    public void Note(string line) => output.WriteLine(line);
}
