using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Peers;
using DnS.Core.Kernels;
using TorchSharp;

namespace DnS.Benchmarks.Chamfer;

/// <summary>Float chamfer of one video pair on 1 thread: DnS kernel vs naive loop vs TensorPrimitives vs libtorch.</summary>
public class ChamferPeerBenchmarks
{
    private VideoPair videos = null!;
    private AlignedBuffer<float> peerSimilarity = null!;
    private torch.Tensor queryTensor = null!;
    private torch.Tensor targetTensor = null!;

    /// <summary>Builds the inputs and checks every contender computes the DnS kernel's result.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(threads: 1);
        videos = new VideoPair(targets: 1);
        peerSimilarity = new AlignedBuffer<float>(videos.Similarity.Length);
        queryTensor = TorchRuntime.Tensor(videos.QueryValues, Workload.Frames, Workload.Regions, Workload.Dims);
        targetTensor = TorchRuntime.Tensor(videos.TargetValues, Workload.Frames, Workload.Regions, Workload.Dims);

        DnsKernel();
        var expected = videos.Similarity.Span.ToArray();
        NaiveScalarLoop();
        Agreement.Check(nameof(NaiveScalarLoop), expected, peerSimilarity.Span);
        TensorPrimitivesComposition();
        Agreement.Check(nameof(TensorPrimitivesComposition), expected, peerSimilarity.Span);
        using var torchResult = TorchPeers.Chamfer(queryTensor, targetTensor);
        Agreement.Check(nameof(TorchSharpEinsum), expected, TorchRuntime.ToArray(torchResult));
    }

    /// <summary>Frees native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        videos.Dispose();
        peerSimilarity.Dispose();
        queryTensor.Dispose();
        targetTensor.Dispose();
    }

    /// <summary>DnS ChamferKernel on the best ISA path.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void DnsKernel() =>
        ChamferKernel.FrameToFrame(videos.Query.Span, videos.Target.Span, Workload.Regions, Workload.Dims, videos.Similarity.Span);

    /// <summary>Peer (1): scalar triple loop.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void NaiveScalarLoop() =>
        ScalarLoops.Chamfer(videos.Query.Span, videos.Target.Span, Workload.Regions, Workload.Dims, peerSimilarity.Span);

    /// <summary>Peer (2): TensorPrimitives.Dot per region pair + Max + Sum/R.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void TensorPrimitivesComposition() =>
        TensorPrimitivesCompositions.Chamfer(videos.Query.Span, videos.Target.Span, Workload.Regions, Workload.Dims, peerSimilarity.Span);

    /// <summary>Peer (3): libtorch einsum('ird,jsd->irjs').amax(3).mean(1), 1 intra-op thread.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void TorchSharpEinsum()
    {
        using var similarity = TorchPeers.Chamfer(queryTensor, targetTensor);
    }
}
