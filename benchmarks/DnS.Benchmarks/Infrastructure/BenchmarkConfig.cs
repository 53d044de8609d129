using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>The one configuration every suite runs with.</summary>
public static class BenchmarkConfig
{
    /// <summary>
    /// The default job: in-process (the patched libLibTorchSharp.so in this output folder is what runs, and no second
    /// build of the benchmarks happens), one launch, 2 warmups + 6 measured iterations of ≥ 250 ms, so the whole
    /// suite finishes in minutes. Unroll 1 because every workload takes microseconds to seconds.
    /// </summary>
    public static Job ShortInProcess { get; } = Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true))
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(6)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
        .WithUnrollFactor(1)
        .WithId("ShortInProcess");

    /// <summary>Columns and diagnosers for every run, plus <see cref="ShortInProcess"/> unless the command line names its own job.</summary>
    public static IConfig Create(bool withDefaultJob)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(new ThroughputColumn(Quantity.Flops), new ThroughputColumn(Quantity.RegionPairs), new ThroughputColumn(Quantity.Bytes), new ThroughputColumn(Quantity.Queries));
        return withDefaultJob ? config.AddJob(ShortInProcess) : config;
    }
}
