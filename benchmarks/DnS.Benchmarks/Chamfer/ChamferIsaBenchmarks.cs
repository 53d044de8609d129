using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.Chamfer;

/// <summary>DnS float chamfer (one video pair, 1 thread) on each ISA path this CPU supports.</summary>
public class ChamferIsaBenchmarks : IsaBenchmark
{
    private VideoPair videos = null!;

    /// <summary>Builds the video pair.</summary>
    [GlobalSetup]
    public void Setup() => videos = new VideoPair(targets: 1);

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup() => videos.Dispose();

    /// <summary>ChamferKernel.FrameToFrame, T=40, R=9, D=512.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void FrameToFrame() =>
        ChamferKernel.FrameToFrame(videos.Query.Span, videos.Target.Span, Workload.Regions, Workload.Dims, videos.Similarity.Span, Path);
}
