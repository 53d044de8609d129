using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.Hamming;

/// <summary>DnS Hamming chamfer (one video pair, 512-bit codes, 1 thread) on each ISA path this CPU supports.</summary>
public class HammingIsaBenchmarks : IsaBenchmark
{
    private VideoPair videos = null!;

    /// <summary>Builds the codes.</summary>
    [GlobalSetup]
    public void Setup() => videos = new VideoPair(targets: 1);

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup() => videos.Dispose();

    /// <summary>HammingKernel.FrameToFrame, T=40, R=9, 512 bits.</summary>
    [Benchmark]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void FrameToFrame() =>
        HammingKernel.FrameToFrame(videos.QueryCodes.Span, videos.TargetCodes.Span, Workload.Regions, Workload.Bits, videos.Similarity.Span, Path);
}
