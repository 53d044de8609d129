using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Peers;
using DnS.Core.Kernels;
using TorchSharp;

namespace DnS.Benchmarks.Hamming;

/// <summary>
/// Hamming chamfer of one video pair (512-bit codes) on 1 thread: DnS kernel vs naive popcount loop vs
/// TensorPrimitives.HammingBitDistance vs libtorch's float einsum on ±1 tensors (what the reference does),
/// with the DnS float chamfer at the same D = 512 as the yardstick for the ≥ 10× pairs/s target.
/// </summary>
public class HammingPeerBenchmarks
{
    private VideoPair videos = null!;
    private AlignedBuffer<float> peerSimilarity = null!;
    private torch.Tensor querySigns = null!;
    private torch.Tensor targetSigns = null!;

    /// <summary>Builds the inputs and checks every contender computes the DnS kernel's result.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(threads: 1);
        videos = new VideoPair(targets: 1);
        peerSimilarity = new AlignedBuffer<float>(videos.Similarity.Length);
        querySigns = TorchRuntime.Tensor(RandomFeatures.Signs(videos.QueryValues), Workload.Frames, Workload.Regions, Workload.Bits);
        targetSigns = TorchRuntime.Tensor(RandomFeatures.Signs(videos.TargetValues), Workload.Frames, Workload.Regions, Workload.Bits);

        DnsKernel();
        var expected = videos.Similarity.Span.ToArray();
        NaiveScalarLoop();
        Agreement.Check(nameof(NaiveScalarLoop), expected, peerSimilarity.Span);
        TensorPrimitivesHammingBitDistance();
        Agreement.Check(nameof(TensorPrimitivesHammingBitDistance), expected, peerSimilarity.Span);
        using var torchResult = TorchPeers.SignChamfer(querySigns, targetSigns, Workload.Bits);
        Agreement.Check(nameof(TorchSharpSignEinsum), expected, TorchRuntime.ToArray(torchResult));
    }

    /// <summary>Frees native memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        videos.Dispose();
        peerSimilarity.Dispose();
        querySigns.Dispose();
        targetSigns.Dispose();
    }

    /// <summary>DnS HammingKernel on the best ISA path.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void DnsKernel() =>
        HammingKernel.FrameToFrame(videos.QueryCodes.Span, videos.TargetCodes.Span, Workload.Regions, Workload.Bits, videos.Similarity.Span);

    /// <summary>The yardstick: DnS float chamfer on the same video pair at D = 512.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.ChamferFlopsPerVideoPair)]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void DnsFloatChamferSameD() =>
        ChamferKernel.FrameToFrame(videos.Query.Span, videos.Target.Span, Workload.Regions, Workload.Dims, peerSimilarity.Span);

    /// <summary>Peer (1): BitOperations.PopCount over the 8 words of each code pair.</summary>
    [Benchmark]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void NaiveScalarLoop() =>
        ScalarLoops.Hamming(videos.QueryCodes.Span, videos.TargetCodes.Span, Workload.Regions, Workload.Bits, peerSimilarity.Span);

    /// <summary>Peer (2): TensorPrimitives.HammingBitDistance per code pair + Sum/R.</summary>
    [Benchmark]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void TensorPrimitivesHammingBitDistance() =>
        TensorPrimitivesCompositions.Hamming(videos.QueryCodes.Span, videos.TargetCodes.Span, Workload.Regions, Workload.Bits, peerSimilarity.Span);

    /// <summary>Peer (3): libtorch float einsum on ±1 tensors / bits, 1 intra-op thread.</summary>
    [Benchmark]
    [Throughput(Quantity.RegionPairs, Workload.RegionPairsPerVideoPair)]
    public void TorchSharpSignEinsum()
    {
        using var similarity = TorchPeers.SignChamfer(querySigns, targetSigns, Workload.Bits);
    }
}
