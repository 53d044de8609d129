using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.Hamming;

/// <summary>DnS Hamming chamfer (one video pair, 512-bit codes, 1 thread) on each ISA path this CPU supports.</summary>
public class HammingIsaBenchmarks : VideoPairIsaBenchmark
{
    /// <summary>HammingKernel.FrameToFrame, T=40, R=9, 512 bits.</summary>
    [Benchmark]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void FrameToFrame() =>
        HammingKernel.FrameToFrame(Videos.QueryCodes.Span, Videos.TargetCodes.Span, Workload.Regions, Workload.Bits, Videos.Similarity.Span, Path);
}
