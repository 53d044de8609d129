using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>DnS TopK (k=100 of the 100,000 coarse-scan scores, 1 thread) on each ISA path this CPU supports.</summary>
public class TopKIsaBenchmarks : IsaBenchmark
{
    private readonly int[] indices = new int[Workload.TopK];
    private readonly float[] values = new float[Workload.TopK];
    private float[] scores = null!;

    /// <summary>Scores from a real scan of the shared coarse index.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var index = CoarseIndex.Shared;
        DotKernel.OneVsMany(index.Query.Span, index.Matrix.Span, index.Scores.Span);
        scores = index.Scores.Span.ToArray();
    }

    /// <summary>TopK.Select, k = 100.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.ScoreBytes)]
    public int Select() => TopK.Select(scores, indices, values, Path);
}
