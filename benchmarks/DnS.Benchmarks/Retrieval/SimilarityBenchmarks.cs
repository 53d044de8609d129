using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// What <c>dns similarity</c> computes for a FIVR run: every query scored against all 100,000 videos of a file store
/// (<see cref="CoarseStoreLibrary"/>), coarse-only (the coarse stage, its exact re-scoring and the per-query score arrays;
/// a fine stage would add the same per-pair cost to both), one <c>ScoreAll</c> per query (<c>--one-by-one</c>) vs one
/// <c>ScoreAllBatch</c>.
/// </summary>
public class SimilarityBenchmarks
{
    private CoarseStoreLibrary _library = null!;

    /// <summary>How the store keeps the coarse vectors.</summary>
    [Params(CoarseEncoding.Float, CoarseEncoding.Int8AndFloat)]
    public CoarseEncoding Encoding { get; set; }

    /// <summary>Writes the store.</summary>
    [GlobalSetup]
    public void Setup() => _library = new CoarseStoreLibrary(Encoding, queries: 16);

    /// <summary>Deletes the store.</summary>
    [GlobalCleanup]
    public void Cleanup() => _library.Dispose();

    /// <summary>16 queries, one <c>ScoreAll</c> each.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Queries, 16)]
    public int OneByOne() => _library.Queries.Sum(q => _library.Engine.ScoreAll(q, SelectorPolicy.CoarseOnly).Statistics.CoarsePairs);

    /// <summary>The same 16 queries as one <c>ScoreAllBatch</c>.</summary>
    [Benchmark]
    [Throughput(Quantity.Queries, 16)]
    public int Batched() => _library.Engine.ScoreAllBatch(_library.Queries, SelectorPolicy.CoarseOnly).Sum(s => s.Statistics.CoarsePairs);
}
