namespace DnS.Core.Features.Backbone;

/// <summary>
/// Seeded SplitMix64 stream for generated graphs' weights: fast enough to fill ResNet-50's 25.6 M
/// parameters in a blink and identical on every platform (System.Random's algorithm may change).
/// </summary>
internal struct WeightRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Next value, uniform in [−1, 1).</summary>
    public float NextSigned()
    {
        _state += 0x9E3779B97F4A7C15UL;
        ulong z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        // Top 24 bits give every float in [0, 1) on a 2^-24 grid.
        return (z >> 40) * (2f / (1 << 24)) - 1f;
    }

    /// <summary>Fills <paramref name="destination"/> uniformly in [−bound, bound).</summary>
    public void Fill(Span<float> destination, float bound)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = NextSigned() * bound;
    }

    /// <summary>A new array of <paramref name="length"/> values uniform in [−bound, bound).</summary>
    public float[] Next(int length, float bound)
    {
        float[] values = new float[length];
        Fill(values, bound);
        return values;
    }
}
