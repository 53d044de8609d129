using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>The one configuration every suite runs with.</summary>
public static class BenchmarkConfig
{
    /// <summary>
    /// In-process (the patched libLibTorchSharp.so in this output folder is what runs, and no second build of the
    /// benchmarks happens), one launch, 2 warmups + 6 measured iterations of ≥ 250 ms: the full suite finishes in
    /// minutes. Unroll 1 because every workload takes microseconds to milliseconds.
    /// </summary>
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(6)
            .WithIterationTime(BenchmarkDotNet.Horology.TimeInterval.FromMilliseconds(250))
            .WithUnrollFactor(1)
            .WithId("ShortInProcess"))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(new ThroughputColumn(Quantity.Flops), new ThroughputColumn(Quantity.RegionPairs), new ThroughputColumn(Quantity.Bytes));
}
