using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DnS.Core.Storage;

namespace DnS.Cluster.Host;

/// <summary>Seeded generated records of a schema's official sizes: a random unit coarse vector, random fine features
/// (sign codes, or unit-normalized region vectors for float schemas) and a self-similarity in [−1, 1). Record n of a
/// seed is always the same, whatever else is generated, in every process (<see cref="HashCode"/> is randomized per process,
/// so the generator's seed is a fixed mix of both instead).</summary>
internal static class SyntheticRecords
{
    public static VideoRecord Create(StoreSchema schema, int seed, long n, int frames, string? id = null)
    {
        var random = new Random(Mix(seed, n));
        var coarse = new float[schema.CoarseDimensions];
        for (int d = 0; d < coarse.Length; d++) coarse[d] = random.NextSingle() - 0.5f;
        TensorPrimitives.Divide(coarse, TensorPrimitives.Norm(coarse), coarse);
        int fine = frames * schema.FineElementsPerFrame;
        float self = (random.NextSingle() * 2) - 1;
        id ??= $"v{n:D9}";
        if (schema.FineKind == FineFeatureKind.Binary)
        {
            var codes = new ulong[fine];
            random.NextBytes(MemoryMarshal.AsBytes(codes.AsSpan()));
            return new VideoRecord(id, frames, coarse, ReadOnlyMemory<float>.Empty, codes, self);
        }
        var floats = new float[fine];
        for (int i = 0; i < floats.Length; i++) floats[i] = random.NextSingle() - 0.5f;
        for (int r = 0; r < fine; r += schema.FineDimensions)
        {
            var region = floats.AsSpan(r, schema.FineDimensions);
            TensorPrimitives.Divide(region, TensorPrimitives.Norm(region), region);
        }
        return new VideoRecord(id, frames, coarse, floats, ReadOnlyMemory<ulong>.Empty, self);
    }

    /// <summary>A 32-bit seed from (seed, n) by the SplitMix64 finalizer: the same in every process.</summary>
    internal static int Mix(int seed, long n)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)n + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }
}
