using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Peers;
using DnS.Core.Kernels;
using TorchSharp;

namespace DnS.Benchmarks.Chamfer;

/// <summary>
/// Throughput: one query against a batch of 64 target videos on 1 and 2 threads. DnS runs the kernel once per
/// video pair under Parallel.For; libtorch runs one batched einsum with torch.set_num_threads(Threads).
/// </summary>
public class ChamferBatchBenchmarks
{
    private VideoPair videos = null!;
    private torch.Tensor queryTensor = null!;
    private torch.Tensor targetsTensor = null!;

    /// <summary>Threads given to both contenders.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds the batch and checks libtorch's result against the kernel's.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(Threads);
        videos = new VideoPair(targets: Workload.Batch);
        queryTensor = TorchRuntime.Tensor(videos.QueryValues, Workload.Frames, Workload.Regions, Workload.Dims);
        targetsTensor = TorchRuntime.Tensor(videos.TargetValues, Workload.Batch * Workload.Frames, Workload.Regions, Workload.Dims);

        DnsKernelParallelFor();
        // libtorch yields (Tq, batch·Tt); the kernel writes one Tq×Tt block per target video.
        using var torchResult = TorchPeers.Chamfer(queryTensor, targetsTensor);
        using var blocks = torchResult.view(Workload.Frames, Workload.Batch, Workload.Frames).permute(1, 0, 2);
        Agreement.Check(nameof(TorchSharpBatchedEinsum), videos.Similarity.Span, TorchRuntime.ToArray(blocks));
    }

    /// <summary>Frees native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        videos.Dispose();
        queryTensor.Dispose();
        targetsTensor.Dispose();
    }

    /// <summary>DnS ChamferKernel per (query, target video) pair, Parallel.For over the 64 pairs.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Flops, Workload.BatchChamferFlops)]
    [Throughput(Quantity.RegionPairs, Workload.BatchRegionPairs)]
    public void DnsKernelParallelFor()
    {
        const int videoLength = Workload.RegionsPerVideo * Workload.Dims;
        const int blockLength = Workload.Frames * Workload.Frames;
        if (Threads == 1)
        {
            for (var j = 0; j < Workload.Batch; j++)
                ChamferKernel.FrameToFrame(videos.Query.Span, videos.Target.Slice(j * videoLength, videoLength),
                    Workload.Regions, Workload.Dims, videos.Similarity.Slice(j * blockLength, blockLength));
            return;
        }
        Parallel.For(0, Workload.Batch, new ParallelOptions { MaxDegreeOfParallelism = Threads }, j =>
            ChamferKernel.FrameToFrame(videos.Query.Span, videos.Target.Slice(j * videoLength, videoLength),
                Workload.Regions, Workload.Dims, videos.Similarity.Slice(j * blockLength, blockLength)));
    }

    /// <summary>libtorch: one einsum over the whole batch (Tq,R,D)×(64·Tt,R,D), then amax/mean.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.BatchChamferFlops)]
    [Throughput(Quantity.RegionPairs, Workload.BatchRegionPairs)]
    public void TorchSharpBatchedEinsum()
    {
        using var similarity = TorchPeers.Chamfer(queryTensor, targetsTensor);
    }
}
