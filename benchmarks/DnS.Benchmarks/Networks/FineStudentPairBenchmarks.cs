using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Networks;
using TorchSharp;

namespace DnS.Benchmarks.Networks;

/// <summary>
/// One re-ranked pair (T = 40 query and target frames, 9 regions, 512 dims) through the whole fine-student query
/// path — frame-to-frame chamfer, video comparator, hardtanh, video chamfer — on 1 thread, DnS vs libtorch.
/// </summary>
public class FineStudentPairBenchmarks
{
    private RandomStateDict attentionWeights = null!, binaryWeights = null!;
    private FineGrainedStudent attention = null!, binary = null!;
    private FineFeatures attentionQuery = null!, attentionTarget = null!, binaryQuery = null!, binaryTarget = null!;
    private torch.Tensor torchAttentionQuery = null!, torchAttentionTarget = null!, torchSignQuery = null!, torchSignTarget = null!, torchF2f = null!;
    private float[] f2f = null!, comparatorOutput = null!;

    /// <summary>Builds both students from random weights and checks DnS and libtorch agree on every similarity.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(threads: 1);
        attentionWeights = new RandomStateDict(seed: 11).AddAttention(Workload.Dims).AddComparator("visil_head.").PrepareTorch();
        binaryWeights = RandomStateDict.BinaryStudent(12, Workload.Dims, Workload.Bits).PrepareTorch();
        using (var source = attentionWeights.Open()) attention = FineGrainedStudent.Load(source);
        using (var source = binaryWeights.Open()) binary = FineGrainedStudent.Load(source);

        var query = RandomFeatures.UnitRows(Workload.RegionsPerVideo, Workload.Dims, seed: 1);
        var target = RandomFeatures.UnitRows(Workload.RegionsPerVideo, Workload.Dims, seed: 2);
        attentionQuery = attention.IndexVideo(query);
        attentionTarget = attention.IndexVideo(target);
        binaryQuery = binary.IndexVideo(query);
        binaryTarget = binary.IndexVideo(target);

        long[] shape = [Workload.Frames, Workload.Regions, Workload.Dims];
        torchAttentionQuery = TorchRuntime.Tensor(attentionQuery.Values.ToArray(), shape);
        torchAttentionTarget = TorchRuntime.Tensor(attentionTarget.Values.ToArray(), shape);
        using (var q = TorchRuntime.Tensor(query, shape)) torchSignQuery = TorchNetworks.Binarize(q, binaryWeights);
        using (var t = TorchRuntime.Tensor(target, shape)) torchSignTarget = TorchNetworks.Binarize(t, binaryWeights);

        f2f = new float[Workload.Frames * Workload.Frames];
        comparatorOutput = new float[(Workload.Frames / 4) * (Workload.Frames / 4)];
        attention.FrameToFrame(attentionQuery, attentionTarget, f2f);
        torchF2f = TorchRuntime.Tensor(f2f, Workload.Frames, Workload.Frames);

        Agreement.Check(nameof(TorchAttentionPair), [DnsAttentionPair()], [TorchAttentionPair()]);
        Agreement.Check(nameof(TorchBinaryPair), [DnsBinaryPair()], [TorchBinaryPair()]);
        DnsComparator();
        using var torchComparator = TorchNetworks.Comparator(torchF2f, attentionWeights, "visil_head.", replicate: false);
        Agreement.Check(nameof(TorchComparator), comparatorOutput, TorchRuntime.ToArray(torchComparator));
    }

    /// <summary>Frees native memory and the temporary weights files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { torchAttentionQuery, torchAttentionTarget, torchSignQuery, torchSignTarget, torchF2f }) t.Dispose();
        attentionWeights.Dispose();
        binaryWeights.Dispose();
    }

    /// <summary>DnS attention student: float chamfer + comparator + hardtanh + video chamfer.</summary>
    [Benchmark(Baseline = true)]
    public float DnsAttentionPair() => attention.Similarity(attentionQuery, attentionTarget);

    /// <summary>DnS binary student: Hamming chamfer on packed bits + comparator + hardtanh + video chamfer.</summary>
    [Benchmark]
    public float DnsBinaryPair() => binary.Similarity(binaryQuery, binaryTarget);

    /// <summary>DnS video comparator alone on a 40×40 matrix.</summary>
    [Benchmark]
    public void DnsComparator() => attention.Comparator!.Forward(f2f, Workload.Frames, Workload.Frames, comparatorOutput);

    /// <summary>libtorch attention-student pair, as the reference computes it (einsum chamfer, conv2d layers).</summary>
    [Benchmark]
    public float TorchAttentionPair() => TorchNetworks.FineSimilarity(torchAttentionQuery, torchAttentionTarget, attentionWeights);

    /// <summary>libtorch binary-student pair, as the reference computes it (±1 floats, einsum ÷ 512).</summary>
    [Benchmark]
    public float TorchBinaryPair() => TorchNetworks.FineSimilarity(torchSignQuery, torchSignTarget, binaryWeights, Workload.Bits);

    /// <summary>libtorch video comparator alone on a 40×40 matrix.</summary>
    [Benchmark]
    public void TorchComparator()
    {
        using var output = TorchNetworks.Comparator(torchF2f, attentionWeights, "visil_head.", replicate: false);
    }
}
