using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;
using TorchSharp;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>Top-100 of the 100,000 coarse-scan scores on 1 thread: DnS TopK vs a PriorityQueue min-heap vs torch.topk.</summary>
public class TopKBenchmarks
{
    private readonly int[] indices = new int[Workload.TopK];
    private readonly float[] values = new float[Workload.TopK];
    private readonly PriorityQueue<int, float> heap = new(Workload.TopK + 1);
    private float[] scores = null!;
    private torch.Tensor scoresTensor = null!;

    /// <summary>Scores from a real scan of the coarse index; checks the peers pick the same candidates.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(threads: 1);
        var index = CoarseIndex.Shared;
        DotKernel.OneVsMany(index.Query.Span, index.Matrix.Span, index.Scores.Span);
        scores = index.Scores.Span.ToArray();
        scoresTensor = TorchRuntime.Tensor(scores, Workload.IndexVideos);

        DnsTopK();
        var expected = values.ToArray();
        PriorityQueueHeap();
        var heapValues = new float[Workload.TopK];
        for (var rank = Workload.TopK - 1; heap.TryDequeue(out var row, out _); rank--)
            heapValues[rank] = scores[row];
        Agreement.Check(nameof(PriorityQueueHeap), expected, heapValues, tolerance: 0f);
        var (top, _) = scoresTensor.topk(Workload.TopK);
        using (top)
            Agreement.Check(nameof(TorchSharpTopK), expected, TorchRuntime.ToArray(top), tolerance: 0f);
    }

    /// <summary>Frees the tensor.</summary>
    [GlobalCleanup]
    public void Cleanup() => scoresTensor.Dispose();

    /// <summary>DnS TopK.Select.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Bytes, Workload.ScoreBytes)]
    public int DnsTopK() => TopK.Select(scores, indices, values);

    /// <summary>Peer: the usual .NET answer, a bounded PriorityQueue (min-heap of the best k so far).</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.ScoreBytes)]
    public int PriorityQueueHeap()
    {
        heap.Clear();
        for (var n = 0; n < scores.Length; n++)
        {
            if (heap.Count < Workload.TopK)
                heap.Enqueue(n, scores[n]);
            else if (heap.TryPeek(out _, out var weakest) && scores[n] > weakest)
                heap.EnqueueDequeue(n, scores[n]);
        }
        return heap.Count;
    }

    /// <summary>Peer: libtorch topk(100), 1 intra-op thread.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.ScoreBytes)]
    public void TorchSharpTopK()
    {
        var (top, rows) = scoresTensor.topk(Workload.TopK);
        top.Dispose();
        rows.Dispose();
    }
}
