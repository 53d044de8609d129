namespace DnS.Benchmarks.Infrastructure;

/// <summary>Guards every comparison: a contender that computes something else must not get a row in the table.</summary>
public static class Agreement
{
    /// <summary>Throws when <paramref name="actual"/> differs from <paramref name="expected"/> by more than <paramref name="tolerance"/> anywhere.</summary>
    public static void Check(string contender, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 1e-4f)
    {
        if (expected.Length != actual.Length)
            throw new InvalidOperationException($"{contender}: {actual.Length} values, expected {expected.Length}.");
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                throw new InvalidOperationException($"{contender}: value {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance}).");
        }
    }
}
