using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Networks;
using DnS.Core.Indexing;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// One query against a library of 100,000 indexed videos through <see cref="RetrievalEngine.Search(VideoRecord, SelectorPolicy, int, CancellationToken)"/>,
/// on all cores, per selection policy: the coarse scan alone, top-K re-ranking (plain, and the default with region picks
/// over the int8 region means a new index keeps), and DnS re-ranking 1 % / 5 % of the library chosen by the selector. Networks of the official sizes with random weights: coarse 1024-d (its vectors are
/// random unit rows; indexing 100,000 videos through it would take the setup half an hour), binary fine student of
/// 512-bit codes with the video comparator, selector MLP. Videos are T = 40 frames × 9 regions; timings do not depend
/// on the values.
/// </summary>
public class SearchBenchmarks
{
    private const int Videos = Workload.IndexVideos;

    private RandomStateDict _coarseWeights = null!, _fineWeights = null!, _selectorWeights = null!;
    private RetrievalEngine _engine = null!;
    private VideoRecord _query = null!;
    private SelectorPolicy _policy = null!;

    /// <summary>The selection policy (<see cref="SelectorPolicy.Parse"/> form).</summary>
    [Params("coarse", "topk:100", "topk:60+regions:10", "dns:0.01", "dns:0.01+regions:100", "dns:0.05")]
    public string Policy { get; set; } = "coarse";

    /// <summary>Builds the networks and the in-memory library (≈ 3.2 GB: 409.6 MB of coarse vectors, 2.3 GB of codes,
    /// 461 MB of int8 region means).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _policy = SelectorPolicy.Parse(Policy);
        int d = Workload.Dims;
        _coarseWeights = RandomStateDict.CoarseStudent(31, d, feedForward: 2048, clusters: 64, outputs: Workload.IndexDims);
        _fineWeights = RandomStateDict.BinaryStudent(32, d, Workload.Bits);
        _selectorWeights = RandomStateDict.Selector(33, d);
        CoarseGrainedStudent coarse;
        FineGrainedStudent fine;
        SelectorNetwork selector;
        using (var s = _coarseWeights.Open()) coarse = CoarseGrainedStudent.Load(s, new CoarseGrainedStudentConfig { TransformerHeads = 8 });
        using (var s = _fineWeights.Open()) fine = FineGrainedStudent.Load(s);
        using (var s = _selectorWeights.Open()) selector = SelectorNetwork.Load(s);
        var models = new DnsModels(coarse, fine, selector);

        var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models) with { RegionMeans = true });
        var random = new Random(34);
        int words = Workload.Frames * Workload.Regions * HammingKernel.WordsPerCode(Workload.Bits);
        VideoRecord Video(string id)
        {
            var codes = new ulong[words];
            random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.AsSpan()));
            return new VideoRecord(id, Workload.Frames, RandomFeatures.UnitRows(1, Workload.IndexDims, random.Next()), ReadOnlyMemory<float>.Empty, codes, random.NextSingle());
        }
        for (int n = 0; n < Videos; n++) store.AddAsync(Video($"v{n}")).GetAwaiter().GetResult();
        store.CommitAsync().GetAwaiter().GetResult();
        _query = Video("query");
        _engine = new RetrievalEngine(models, store);
    }

    /// <summary>Deletes the temporary weights files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var w in new[] { _coarseWeights, _fineWeights, _selectorWeights }) w.Dispose();
    }

    /// <summary>One query: coarse scan, selection, fine re-ranking on all cores, top 100 hits.</summary>
    [Benchmark]
    public SearchResult Search() => _engine.Search(_query, _policy, top: 100);
}
