using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// The coarse stage from disk: 100,000 random unit 1024-d coarse vectors in a <see cref="FileVideoStore"/>
/// (<see cref="CoarseStoreLibrary"/>) kept as floats (409.6 MB), int8 codes (102.8 MB) or both (512.4 MB), per
/// <see cref="CoarseEncoding"/>. <see cref="Scan"/> is the bare scan of the mapped blocks on one thread (float dot or int8
/// dot); <see cref="OneByOne"/> and <see cref="Batched"/> are coarse-only top-100 searches of Q queries through
/// <see cref="RetrievalEngine"/> (int8 pre-ranking and exact re-scoring of 400 candidates when both are kept), one
/// <c>Search</c> per query vs one <c>SearchBatch</c> (<c>BatchQueryBenchmarks</c> covers 256 queries of the float kernel).
/// </summary>
public class StoreCoarseBenchmarks
{
    private CoarseStoreLibrary _library = null!;
    private readonly float[] _scores = new float[Workload.IndexVideos];

    /// <summary>How the store keeps the coarse vectors.</summary>
    [Params(CoarseEncoding.Float, CoarseEncoding.Int8, CoarseEncoding.Int8AndFloat)]
    public CoarseEncoding Encoding { get; set; }

    /// <summary>Queries per invocation (the bare <see cref="Scan"/> always scans for one).</summary>
    [Params(1, 16)]
    public int Queries { get; set; }

    /// <summary>Writes the store (up to 0.5 GB in the temporary folder).</summary>
    [GlobalSetup]
    public void Setup() => _library = new CoarseStoreLibrary(Encoding, Queries);

    /// <summary>Deletes the store.</summary>
    [GlobalCleanup]
    public void Cleanup() => _library.Dispose();

    /// <summary>The bare scan of one query over the mapped coarse blocks, one thread: float dot or int8 dot.</summary>
    [Benchmark]
    public void Scan()
    {
        var query = _library.Queries[0].Coarse.Span;
        sbyte[] codes = new sbyte[query.Length];
        float scale = Int8Quantization.Quantize(query, codes);
        foreach (var block in _library.Store.CoarseBlocks)
        {
            var scores = _scores.AsSpan(block.FirstOrdinal, block.Count);
            if (Encoding == CoarseEncoding.Float)
                DotKernel.OneVsMany(query, block.Vectors.Span, scores);
            else
                QuantizedDotKernel.OneVsMany(codes, scale, block.Codes.Span, block.Scales.Span, scores);
        }
    }

    /// <summary>Q coarse-only top-100 searches, one <c>Search</c> each.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Queries, 1, PerParameter = nameof(Queries))]
    public int OneByOne()
    {
        int hits = 0;
        foreach (var query in _library.Queries) hits += _library.Engine.Search(query, SelectorPolicy.CoarseOnly, Workload.TopK).Hits.Count;
        return hits;
    }

    /// <summary>The same Q searches as one <c>SearchBatch</c> (one coarse pass per batch of up to 64 queries).</summary>
    [Benchmark]
    [Throughput(Quantity.Queries, 1, PerParameter = nameof(Queries))]
    public int Batched() => _library.Engine.SearchBatch(_library.Queries, SelectorPolicy.CoarseOnly, Workload.TopK).Sum(r => r.Hits.Count);
}
