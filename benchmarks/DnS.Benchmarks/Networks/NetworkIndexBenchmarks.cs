using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Networks;
using TorchSharp;

namespace DnS.Benchmarks.Networks;

/// <summary>
/// Index time of one T = 40 frame video through every network on 1 thread, DnS vs libtorch: the fine students,
/// the coarse student in its official size (512 dims, 8 heads, feed-forward 2048, 1 layer, 64 clusters, 1024
/// out), the selector's self-similarity, the ViSiL teacher at 3840 dims, and the selector MLP on 100 000 pairs.
/// </summary>
public class NetworkIndexBenchmarks
{
    private const int TeacherDims = 3840, Heads = 8, FeedForward = 2048, Clusters = 64, CoarseOut = 1024, SelectorPairs = 100_000;

    private RandomStateDict fineWeights = null!, binaryWeights = null!, coarseWeights = null!, selectorWeights = null!, teacherWeights = null!;
    private FineGrainedStudent attention = null!, binary = null!;
    private CoarseGrainedStudent coarse = null!;
    private SelectorNetwork selector = null!;
    private ViSiLTeacher teacher = null!;
    private ReadOnlyMemory<float>[] batchOf16 = null!;
    private float[] video = null!, teacherVideo = null!, queryScalars = null!, targetScalars = null!, coarseScores = null!, scores = null!;
    private torch.Tensor torchVideo = null!, torchTeacherVideo = null!, torchTriples = null!;

    /// <summary>Builds every network from random weights and checks DnS and libtorch agree on each output.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(threads: 1);
        int d = Workload.Dims;
        fineWeights = new RandomStateDict(21).AddAttention(d).AddComparator("visil_head.").PrepareTorch();
        binaryWeights = RandomStateDict.BinaryStudent(22, d, Workload.Bits).PrepareTorch();
        coarseWeights = RandomStateDict.CoarseStudent(23, d, FeedForward, Clusters, CoarseOut).PrepareTorch();
        selectorWeights = RandomStateDict.Selector(24, d).PrepareTorch();
        teacherWeights = new RandomStateDict(25).Add("attention.context_vector.weight", 1f / MathF.Sqrt(TeacherDims), 0, 1, TeacherDims)
            .AddComparator("video_comperator.").PrepareTorch();

        using (var s = fineWeights.Open()) attention = FineGrainedStudent.Load(s);
        using (var s = binaryWeights.Open()) binary = FineGrainedStudent.Load(s);
        using (var s = coarseWeights.Open()) coarse = CoarseGrainedStudent.Load(s, new CoarseGrainedStudentConfig { TransformerHeads = Heads });
        using (var s = selectorWeights.Open()) selector = SelectorNetwork.Load(s);
        using (var s = teacherWeights.Open()) teacher = ViSiLTeacher.Load(s);

        video = RandomFeatures.UnitRows(Workload.RegionsPerVideo, d, seed: 3);
        teacherVideo = RandomFeatures.UnitRows(Workload.RegionsPerVideo, TeacherDims, seed: 4);
        batchOf16 = Enumerable.Range(0, 16).Select(i => (ReadOnlyMemory<float>)RandomFeatures.UnitRows(Workload.RegionsPerVideo, d, seed: 100 + i)).ToArray();
        torchVideo = TorchRuntime.Tensor(video, Workload.RegionsPerVideo, d);
        torchTeacherVideo = TorchRuntime.Tensor(teacherVideo, Workload.RegionsPerVideo, TeacherDims);

        var random = new Random(5);
        queryScalars = [(float)random.NextDouble()];
        targetScalars = Enumerable.Range(0, SelectorPairs).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        coarseScores = Enumerable.Range(0, SelectorPairs).Select(_ => (float)random.NextDouble()).ToArray();
        scores = new float[SelectorPairs];
        torchTriples = TorchRuntime.Tensor(Enumerable.Range(0, SelectorPairs).SelectMany(i => new[] { queryScalars[0], targetScalars[i], coarseScores[i] }).ToArray(), SelectorPairs, 3);

        using (var t = TorchNetworks.Attention(torchVideo, fineWeights)) Agreement.Check(nameof(TorchFineAttentionIndex), DnsFineAttentionIndex().Values, TorchRuntime.ToArray(t));
        using (var t = TorchNetworks.CoarseIndex(torchVideo, coarseWeights, Workload.Frames, d, Heads, 1, Clusters))
            Agreement.Check(nameof(TorchCoarseIndex), DnsCoarseIndex(), TorchRuntime.ToArray(t));
        Agreement.Check(nameof(TorchSelectorIndex), [DnsSelectorIndex()], [TorchSelectorIndex()]);
        DnsSelectorScores();
        using (var t = TorchNetworks.SelectorScores(torchTriples, selectorWeights)) Agreement.Check(nameof(TorchSelectorScores), scores, TorchRuntime.ToArray(t));
    }

    /// <summary>Frees native memory and the temporary weights files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { torchVideo, torchTeacherVideo, torchTriples }) t.Dispose();
        foreach (var w in new[] { fineWeights, binaryWeights, coarseWeights, selectorWeights, teacherWeights }) w.Dispose();
    }

    /// <summary>DnS fine attention student: h-attention on 360 regions.</summary>
    [Benchmark(Baseline = true)]
    public FineFeatures DnsFineAttentionIndex() => attention.IndexVideo(video);

    /// <summary>DnS fine binary student: normalize, project, pack signs.</summary>
    [Benchmark]
    public FineFeatures DnsFineBinaryIndex() => binary.IndexVideo(video);

    /// <summary>DnS coarse student, official size.</summary>
    [Benchmark]
    public float[] DnsCoarseIndex() => coarse.IndexVideo(video);

    /// <summary>DnS coarse student, official size, 16 videos per call sharing one pass over the reduction matrix (time per video).</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public float[][] DnsCoarseIndexBatchOf16() => coarse.IndexVideos(batchOf16);

    /// <summary>DnS selector self-similarity.</summary>
    [Benchmark]
    public float DnsSelectorIndex() => selector.IndexVideo(video);

    /// <summary>DnS ViSiL teacher (l2-attention on 3840-d regions).</summary>
    [Benchmark]
    public FineFeatures DnsTeacherIndex() => teacher.IndexVideo(teacherVideo);

    /// <summary>DnS selector MLP on 100 000 (query, target, coarse) triples.</summary>
    [Benchmark]
    public void DnsSelectorScores() => selector.Score(queryScalars, targetScalars, coarseScores, scores);

    /// <summary>libtorch h-attention.</summary>
    [Benchmark]
    public void TorchFineAttentionIndex()
    {
        using var t = TorchNetworks.Attention(torchVideo, fineWeights);
    }

    /// <summary>libtorch binarization (±1 floats, as the reference stores them).</summary>
    [Benchmark]
    public void TorchFineBinaryIndex()
    {
        using var t = TorchNetworks.Binarize(torchVideo, binaryWeights);
    }

    /// <summary>libtorch coarse student, official size.</summary>
    [Benchmark]
    public void TorchCoarseIndex()
    {
        using var t = TorchNetworks.CoarseIndex(torchVideo, coarseWeights, Workload.Frames, Workload.Dims, Heads, 1, Clusters);
    }

    /// <summary>libtorch selector self-similarity.</summary>
    [Benchmark]
    public float TorchSelectorIndex() => TorchNetworks.SelectorIndex(torchVideo, selectorWeights, Workload.Frames, Workload.Regions, Workload.Dims);

    /// <summary>libtorch l2-attention at 3840 dims.</summary>
    [Benchmark]
    public void TorchTeacherIndex()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.nn.functional.linear(torchTeacherVideo, teacherWeights.Torch("attention.context_vector.weight")).div(2).add(0.5);
        using var t = (torchTeacherVideo * a).MoveToOuterDisposeScope();
    }

    /// <summary>libtorch selector MLP on 100 000 triples.</summary>
    [Benchmark]
    public void TorchSelectorScores()
    {
        using var t = TorchNetworks.SelectorScores(torchTriples, selectorWeights);
    }
}
