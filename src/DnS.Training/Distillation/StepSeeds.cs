namespace DnS.Training.Distillation;

/// <summary>
/// Seeds derived from (run seed, counter, stream) by SplitMix64, so every step's draws (data order, crops, dropout) are
/// a function of the seed and the step alone: a resumed run draws exactly what an uninterrupted one would.
/// </summary>
public static class StepSeeds
{
    /// <summary>Data order of an epoch.</summary>
    public const int EpochOrder = 1;

    /// <summary>Temporal crops of a step.</summary>
    public const int Crops = 2;

    /// <summary>libtorch's generator (dropout) during a step.</summary>
    public const int Torch = 3;

    /// <summary>Initialization draws (ITQ sample and start rotation).</summary>
    public const int Initialization = 4;

    /// <summary>A 31-bit seed for (<paramref name="seed"/>, <paramref name="counter"/>, <paramref name="stream"/>).</summary>
    public static int Derive(int seed, long counter, int stream)
    {
        ulong x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)counter * 0xBF58476D1CE4E5B9UL ^ (ulong)stream * 0x94D049BB133111EBUL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (int)(x & int.MaxValue);
    }
}
