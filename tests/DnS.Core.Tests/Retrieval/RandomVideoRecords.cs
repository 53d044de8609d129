using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DnS.Core.Storage;

namespace DnS.Core.Tests.Retrieval;

/// <summary>Seeded synthetic records for binary-fine schemas: a unit coarse vector, random sign codes, a self-similarity in [−1, 1).</summary>
internal static class RandomVideoRecords
{
    public static VideoRecord Binary(StoreSchema schema, Random random, string id, int frames)
    {
        var coarse = new float[schema.CoarseDimensions];
        for (int d = 0; d < coarse.Length; d++) coarse[d] = random.NextSingle() - 0.5f;
        TensorPrimitives.Divide(coarse, MathF.Sqrt(TensorPrimitives.SumOfSquares(coarse)), coarse);
        var codes = new ulong[frames * schema.FineElementsPerFrame];
        random.NextBytes(MemoryMarshal.AsBytes(codes.AsSpan()));
        return new VideoRecord(id, frames, coarse, ReadOnlyMemory<float>.Empty, codes, (random.NextSingle() * 2) - 1);
    }
}
