namespace DnS.Benchmarks.Infrastructure;

/// <summary>Deterministic synthetic features shaped like the real ones: rows of Gaussian values scaled to unit L2 norm.</summary>
public static class RandomFeatures
{
    /// <summary>Returns <paramref name="rows"/>×<paramref name="dims"/> row-normalized floats from a fixed seed.</summary>
    public static float[] UnitRows(int rows, int dims, int seed)
    {
        var values = new float[(long)rows * dims];
        var random = new Random(seed);
        for (var row = 0; row < rows; row++)
        {
            var vector = values.AsSpan(row * dims, dims);
            var norm = 0.0;
            for (var i = 0; i < dims; i++)
            {
                // Box-Muller: a Gaussian keeps the signs balanced for the Hamming codes.
                var g = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
                vector[i] = (float)g;
                norm += g * g;
            }
            var scale = (float)(1.0 / Math.Sqrt(norm));
            for (var i = 0; i < dims; i++)
                vector[i] *= scale;
        }
        return values;
    }

    /// <summary>The ±1 floats the packed sign codes stand for (bit set ⇔ value &gt; 0 ⇔ +1).</summary>
    public static float[] Signs(ReadOnlySpan<float> values)
    {
        var signs = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
            signs[i] = values[i] > 0f ? 1f : -1f;
        return signs;
    }
}
