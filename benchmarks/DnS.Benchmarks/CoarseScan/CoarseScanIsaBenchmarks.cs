using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>DnS coarse scan (N=100,000 × D=1024, 1 thread) on each ISA path this CPU supports.</summary>
public class CoarseScanIsaBenchmarks : IsaBenchmark
{
    private CoarseIndex index = null!;

    /// <summary>Uses the process-wide index.</summary>
    [GlobalSetup]
    public void Setup() => index = CoarseIndex.Shared;

    /// <summary>DotKernel.OneVsMany over the whole matrix.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.CoarseScanFlops)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void OneVsMany() => DotKernel.OneVsMany(index.Query.Span, index.Matrix.Span, index.Scores.Span, Path);
}
