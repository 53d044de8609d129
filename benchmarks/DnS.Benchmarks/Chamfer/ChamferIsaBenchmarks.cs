using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.Chamfer;

/// <summary>DnS float chamfer (one video pair, 1 thread) on each ISA path this CPU supports.</summary>
public class ChamferIsaBenchmarks : VideoPairIsaBenchmark
{
    /// <summary>ChamferKernel.FrameToFrame, T=40, R=9, D=512.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void FrameToFrame() =>
        ChamferKernel.FrameToFrame(Videos.Query.Span, Videos.Target.Span, Workload.Regions, Workload.Dims, Videos.Similarity.Span, Path);
}
