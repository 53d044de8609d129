using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Networks;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// The coarse stage from disk: 100,000 random unit 1024-d coarse vectors in a <see cref="FileVideoStore"/> (memory-mapped
/// segments, warm page cache) kept as floats (409.6 MB), int8 codes (102.8 MB) or both (512.4 MB), per
/// <see cref="CoarseEncoding"/>. <see cref="Scan"/> is the bare scan of the mapped blocks on one thread (float dot or int8
/// dot); <see cref="OneByOne"/> and <see cref="Batched"/> are coarse-only top-100 searches of Q queries through
/// <see cref="RetrievalEngine"/> (int8 pre-ranking and exact re-scoring of 400 candidates when both are kept), one
/// <c>Search</c> per query vs one <c>SearchBatch</c> (<c>BatchQueryBenchmarks</c> covers 256 queries of the float kernel). Networks of the official sizes with random weights; videos carry
/// no fine features (coarse-only searches do not read them), so the files hold little but the coarse section.
/// </summary>
public class StoreCoarseBenchmarks
{
    private const int Videos = Workload.IndexVideos;

    private string _directory = null!;
    private RandomStateDict _coarseWeights = null!, _fineWeights = null!;
    private FileVideoStore _store = null!;
    private RetrievalEngine _engine = null!;
    private VideoRecord[] _queries = null!;
    private readonly float[] _scores = new float[Videos];

    /// <summary>How the store keeps the coarse vectors.</summary>
    [Params(CoarseEncoding.Float, CoarseEncoding.Int8, CoarseEncoding.Int8AndFloat)]
    public CoarseEncoding Encoding { get; set; }

    /// <summary>Queries per invocation (the bare <see cref="Scan"/> always scans for one).</summary>
    [Params(1, 16)]
    public int Queries { get; set; }

    /// <summary>Writes the store (up to 0.5 GB in the temporary folder; BenchmarkDotNet runs each case in its own process).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _coarseWeights = RandomStateDict.CoarseStudent(31, Workload.Dims, feedForward: 2048, clusters: 64, outputs: Workload.IndexDims);
        _fineWeights = RandomStateDict.BinaryStudent(32, Workload.Dims, Workload.Bits);
        DnsModels models;
        using (var c = _coarseWeights.Open())
        using (var f = _fineWeights.Open())
            models = new DnsModels(CoarseGrainedStudent.Load(c, new CoarseGrainedStudentConfig { TransformerHeads = 8 }), FineGrainedStudent.Load(f), null);
        _directory = Directory.CreateTempSubdirectory("dns-store-bench-").FullName;
        var schema = Core.Indexing.VideoRecordFactory.SchemaOf(models) with { CoarseEncoding = Encoding };
        _store = FileVideoStore.CreateOrOpenAsync(_directory, schema).GetAwaiter().GetResult();
        float[] rows = RandomFeatures.UnitRows(Videos, Workload.IndexDims, seed: 41);
        for (int n = 0; n < Videos; n++)
            _store.AddAsync(Video($"v{n}", rows, n)).AsTask().GetAwaiter().GetResult();
        _store.CommitAsync().GetAwaiter().GetResult();
        _engine = new RetrievalEngine(models, _store);
        float[] queries = RandomFeatures.UnitRows(Queries, Workload.IndexDims, seed: 42);
        _queries = Enumerable.Range(0, Queries).Select(q => Video($"q{q}", queries, q)).ToArray();
    }

    private static VideoRecord Video(string id, float[] rows, int row) =>
        new(id, 0, rows.AsMemory(row * Workload.IndexDims, Workload.IndexDims), ReadOnlyMemory<float>.Empty, ReadOnlyMemory<ulong>.Empty, 0f);

    /// <summary>Deletes the store and the weights.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _coarseWeights.Dispose();
        _fineWeights.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The bare scan of one query over the mapped coarse blocks, one thread: float dot or int8 dot.</summary>
    [Benchmark]
    public void Scan()
    {
        var query = _queries[0].Coarse.Span;
        sbyte[] codes = new sbyte[query.Length];
        float scale = Int8Quantization.Quantize(query, codes);
        foreach (var block in _store.CoarseBlocks)
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
        foreach (var query in _queries) hits += _engine.Search(query, SelectorPolicy.CoarseOnly, Workload.TopK).Hits.Count;
        return hits;
    }

    /// <summary>The same Q searches as one <c>SearchBatch</c> (one coarse pass per batch of up to 64 queries).</summary>
    [Benchmark]
    [Throughput(Quantity.Queries, 1, PerParameter = nameof(Queries))]
    public int Batched() => _engine.SearchBatch(_queries, SelectorPolicy.CoarseOnly, Workload.TopK).Sum(r => r.Hits.Count);
}
