using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>
/// The coarse stage of Q queries (scores against all 100,000 × 1024 library vectors, then each query's top 100) one
/// query at a time (DotKernel: the matrix is read Q times) vs batched (BatchDotKernel: read once, a blocked product),
/// both on every core with one row range per thread. The two produce bit-identical scores (checked in the setup).
/// </summary>
public class BatchQueryBenchmarks
{
    private static readonly int Threads = Environment.ProcessorCount;
    private CoarseIndex index = null!;
    private float[] queries = null!;
    private float[] scores = null!;
    private readonly int[] best = new int[Workload.TopK];
    private readonly float[] bestScores = new float[Workload.TopK];

    /// <summary>Queries per invocation.</summary>
    [Params(1, 16, 256)]
    public int Queries { get; set; }

    /// <summary>Generates the queries and checks that both contenders compute the same scores bit for bit.</summary>
    [GlobalSetup]
    public void Setup()
    {
        index = CoarseIndex.Shared;
        queries = RandomFeatures.UnitRows(Queries, Workload.IndexDims, seed: 5);
        scores = new float[(long)Queries * Workload.IndexVideos];
        OneByOne();
        var expected = (float[])scores.Clone();
        Array.Clear(scores);
        Batched();
        Agreement.Check(nameof(Batched), expected, scores, tolerance: 0);
    }

    /// <summary>One full scan per query, then its top 100.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Queries, 1, PerParameter = nameof(Queries))]
    public void OneByOne()
    {
        for (int q = 0; q < Queries; q++)
        {
            int query = q;
            RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
                DotKernel.OneVsMany(queries.AsSpan(query * Workload.IndexDims, Workload.IndexDims), index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims),
                    scores.AsSpan((query * Workload.IndexVideos) + start, rows)));
        }

        SelectAll();
    }

    /// <summary>One blocked scan for all queries, then each query's top 100.</summary>
    [Benchmark]
    [Throughput(Quantity.Queries, 1, PerParameter = nameof(Queries))]
    public void Batched()
    {
        RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
            BatchDotKernel.ManyVsMany(queries, index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims), Workload.IndexDims,
                scores.AsSpan(start), Workload.IndexVideos));
        SelectAll();
    }

    private void SelectAll()
    {
        for (int q = 0; q < Queries; q++)
            TopK.Select(scores.AsSpan(q * Workload.IndexVideos, Workload.IndexVideos), best, bestScores);
    }
}
