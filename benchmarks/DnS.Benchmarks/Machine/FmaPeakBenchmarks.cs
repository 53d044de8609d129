using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;

namespace DnS.Benchmarks.Machine;

/// <summary>
/// The chamfer's physical limit, measured: Vector512 FMA throughput with 12 independent accumulators per thread
/// (enough to cover 2 FMA ports × 4-cycle latency), and one dependent FMA chain whose rate gives the clock:
/// one FMA retires per 4 cycles, so GHz = GFLOP/s ÷ 32 FLOP × 4 cycles = GFLOP/s ÷ 8 (per thread). GFLOP/s counts all threads.
/// </summary>
public class FmaPeakBenchmarks
{
    private const int Iterations = 16_000_000; // ≈ 25–40 ms per thread: thread start-up latency of Parallel.For is negligible
    private const int Accumulators = 12;
    private const double FlopsPerFma = 2.0 * 16; // 16 float lanes, multiply + add

    private readonly float[] sinks = new float[2];

    /// <summary>Threads each running the same loop.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>12 independent FMA chains per thread: the achievable FP32 peak.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, FlopsPerFma * Accumulators * Iterations, PerThread = true)]
    public float IndependentFma()
    {
        RowPartition.Run(Threads, Threads, (part, _) => sinks[part] = IndependentChains(Iterations));
        return sinks[0] + sinks[1];
    }

    /// <summary>One dependent FMA chain per thread: latency-bound, GFLOP/s ÷ 8 ÷ Threads is the clock in GHz.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, FlopsPerFma * Iterations, PerThread = true)]
    public float DependentFmaChain()
    {
        RowPartition.Run(Threads, Threads, (part, _) => sinks[part] = DependentChain(Iterations));
        return sinks[0] + sinks[1];
    }

    // NoInlining keeps every accumulator in a register of its own loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float DependentChain(int iterations)
    {
        var factor = Vector512.Create(0.999999f);
        var addend = Vector512.Create(1e-6f);
        var a = Vector512.Create(1f);
        for (var i = 0; i < iterations; i++)
            a = Vector512.FusedMultiplyAdd(a, factor, addend);
        return Vector512.Sum(a);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float IndependentChains(int iterations)
    {
        var factor = Vector512.Create(0.999999f);
        var addend = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (var i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, factor, addend);
            a1 = Vector512.FusedMultiplyAdd(a1, factor, addend);
            a2 = Vector512.FusedMultiplyAdd(a2, factor, addend);
            a3 = Vector512.FusedMultiplyAdd(a3, factor, addend);
            a4 = Vector512.FusedMultiplyAdd(a4, factor, addend);
            a5 = Vector512.FusedMultiplyAdd(a5, factor, addend);
            a6 = Vector512.FusedMultiplyAdd(a6, factor, addend);
            a7 = Vector512.FusedMultiplyAdd(a7, factor, addend);
            a8 = Vector512.FusedMultiplyAdd(a8, factor, addend);
            a9 = Vector512.FusedMultiplyAdd(a9, factor, addend);
            a10 = Vector512.FusedMultiplyAdd(a10, factor, addend);
            a11 = Vector512.FusedMultiplyAdd(a11, factor, addend);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }
}
