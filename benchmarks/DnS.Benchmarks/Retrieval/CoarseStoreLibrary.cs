using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Networks;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// A <see cref="FileVideoStore"/> of 100,000 random unit 1024-d coarse vectors (memory-mapped segment, warm page cache)
/// kept per <see cref="CoarseEncoding"/> (409.6 MB of floats, 102.8 MB of int8 codes, or both), an engine over it with
/// networks of the official sizes (random weights) and Q random queries. Videos carry no fine features: coarse-only and
/// top-K work reads the coarse section alone. Written to the temporary folder; deleted on <see cref="Dispose"/>.
/// </summary>
internal sealed class CoarseStoreLibrary : IDisposable
{
    private readonly string _directory;
    private readonly RandomStateDict _coarseWeights, _fineWeights;

    public CoarseStoreLibrary(CoarseEncoding encoding, int queries)
    {
        _coarseWeights = RandomStateDict.CoarseStudent(31, Workload.Dims, feedForward: 2048, clusters: 64, outputs: Workload.IndexDims);
        _fineWeights = RandomStateDict.BinaryStudent(32, Workload.Dims, Workload.Bits);
        DnsModels models;
        using (var c = _coarseWeights.Open())
        using (var f = _fineWeights.Open())
            models = new DnsModels(CoarseGrainedStudent.Load(c, new CoarseGrainedStudentConfig { TransformerHeads = 8 }), FineGrainedStudent.Load(f), null);
        _directory = Directory.CreateTempSubdirectory("dns-store-bench-").FullName;
        var schema = Core.Indexing.VideoRecordFactory.SchemaOf(models) with { CoarseEncoding = encoding };
        Store = FileVideoStore.CreateOrOpenAsync(_directory, schema).GetAwaiter().GetResult();
        float[] rows = RandomFeatures.UnitRows(Workload.IndexVideos, Workload.IndexDims, seed: 41);
        for (int n = 0; n < Workload.IndexVideos; n++)
            Store.AddAsync(Video($"v{n}", rows, n)).AsTask().GetAwaiter().GetResult();
        Store.CommitAsync().GetAwaiter().GetResult();
        Engine = new RetrievalEngine(models, Store);
        float[] vectors = RandomFeatures.UnitRows(queries, Workload.IndexDims, seed: 42);
        Queries = Enumerable.Range(0, queries).Select(q => Video($"q{q}", vectors, q)).ToArray();
    }

    public FileVideoStore Store { get; }

    public RetrievalEngine Engine { get; }

    public VideoRecord[] Queries { get; }

    private static VideoRecord Video(string id, float[] rows, int row) =>
        new(id, 0, rows.AsMemory(row * Workload.IndexDims, Workload.IndexDims), ReadOnlyMemory<float>.Empty, ReadOnlyMemory<ulong>.Empty, 0f);

    public void Dispose()
    {
        Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _coarseWeights.Dispose();
        _fineWeights.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
