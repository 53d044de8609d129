using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Benchmarks.Infrastructure;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>A pure read stream: the least work per byte a scan can do, so its rate is the memory read bandwidth.</summary>
public static class StreamingSum
{
    /// <summary><see cref="Sum"/> over the coarse matrix with one contiguous row range per thread (at most 2 threads).</summary>
    public static float SumRows(int threads, AlignedBuffer<float> matrix, float[] partialSums)
    {
        RowPartition.Run(threads, Workload.IndexVideos, (start, rows) =>
            partialSums[start == 0 ? 0 : 1] = Sum(matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims)));
        return partialSums[0] + partialSums[1];
    }

    /// <summary>Sum of all values; 4 independent Vector512 accumulators keep enough loads in flight.</summary>
    public static float Sum(ReadOnlySpan<float> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var length = (nuint)values.Length;
        var width = (nuint)Vector512<float>.Count;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint i = 0;
        for (; i + 4 * width <= length; i += 4 * width)
        {
            a0 += Vector512.LoadUnsafe(ref start, i);
            a1 += Vector512.LoadUnsafe(ref start, i + width);
            a2 += Vector512.LoadUnsafe(ref start, i + 2 * width);
            a3 += Vector512.LoadUnsafe(ref start, i + 3 * width);
        }
        var sum = Vector512.Sum(a0 + a1 + (a2 + a3));
        for (; i < length; i++)
            sum += Unsafe.Add(ref start, i);
        return sum;
    }
}
