using System.Runtime.CompilerServices;

namespace DnS.Core.Storage;

/// <summary>
/// An <see cref="IVideoStore"/> held in managed memory: for tests, small apps and as the staging model of
/// the durable store. Commits rebuild one dense coarse matrix, so scans never meet dead rows.
/// </summary>
public sealed class InMemoryVideoStore : IVideoStore
{
    private readonly Dictionary<string, VideoRecord?> _staged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _stagedMetadata = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    // Region means by record (schemas with RegionMeans): a commit quantizes only the records it adds.
    private readonly ConditionalWeakTable<VideoRecord, RegionMeanCodes> _regionMeans = new();
    private volatile Snapshot _current;
    private volatile bool _disposed;

    /// <summary>Creates an empty store with the given record layout.</summary>
    public InMemoryVideoStore(StoreSchema schema)
    {
        schema.Validate();
        Schema = schema;
        _current = new Snapshot(schema, [], [], new Dictionary<string, int>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));
    }

    /// <inheritdoc />
    public StoreSchema Schema { get; }

    /// <inheritdoc />
    public int Count => Current.Records.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Ids => Current.Ids;

    /// <inheritdoc />
    public IReadOnlyList<CoarseBlock> CoarseBlocks => Current.Blocks;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => Current.Metadata;

    private Snapshot Current
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _current;
        }
    }

    /// <inheritdoc />
    public VideoRecord GetRecord(int ordinal) => Current.GetRecord(ordinal);

    /// <inheritdoc />
    public string GetId(int ordinal) => Current.GetId(ordinal);

    /// <inheritdoc />
    public bool TryGetOrdinal(string id, out int ordinal) => Current.TryGetOrdinal(id, out ordinal);

    /// <inheritdoc />
    public bool TryGetRecord(string id, out VideoRecord record) => Current.TryGetRecord(id, out record);

    /// <inheritdoc />
    /// <remarks>Records live in managed memory and are immutable: a snapshot only fixes the version.</remarks>
    public IVideoStoreSnapshot AcquireSnapshot() => new VideoStoreSnapshot(Current, static () => { });

    /// <inheritdoc />
    public ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        record.Validate(Schema);
        // Copy: the caller may reuse its buffers after this call returns.
        var owned = record with { Coarse = record.Coarse.ToArray(), FineFloats = record.FineFloats.ToArray(), FineCodes = record.FineCodes.ToArray(), CoarseCodes = default };
        lock (_writeLock) _staged[record.Id] = owned;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock) _stagedMetadata[key] = value;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            bool exists = (_staged.TryGetValue(id, out var staged) && staged is not null) || Current.ById.ContainsKey(id);
            if (exists) _staged[id] = null;
            return ValueTask.FromResult(exists);
        }
    }

    /// <inheritdoc />
    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeLock)
        {
            var records = new List<VideoRecord>(_current.Records.Length + _staged.Count);
            foreach (var r in _current.Records)
                if (!_staged.ContainsKey(r.Id)) records.Add(r);
            foreach (var r in _staged.Values)
                if (r is not null) records.Add(r);
            var metadata = new Dictionary<string, string>(_current.Metadata, StringComparer.Ordinal);
            foreach (var (key, value) in _stagedMetadata)
                if (value is null) metadata.Remove(key);
                else metadata[key] = value;
            _staged.Clear();
            _stagedMetadata.Clear();
            _current = Snapshot.Build(Schema, records, metadata, _regionMeans);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public StorageReport GetStorageReport()
    {
        var snapshot = Current;
        long frames = 0, fine = 0, ids = 0;
        foreach (var r in snapshot.Records)
        {
            frames += r.Frames;
            fine += r.FineFloats.Length * sizeof(float) + r.FineCodes.Length * sizeof(ulong);
            ids += System.Text.Encoding.UTF8.GetByteCount(r.Id);
        }
        return new StorageReport(snapshot.Records.Length, frames, (long)snapshot.Records.Length * Schema.CoarseBytesPerVideo, fine, ids)
        {
            RegionMeanBytes = (long)snapshot.Records.Length * Schema.RegionMeanBytesPerVideo,
        };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }

    private sealed record Snapshot(StoreSchema Schema, VideoRecord[] Records, CoarseBlock[] Blocks, Dictionary<string, int> ById, Dictionary<string, string> Metadata)
        : IVideoStoreView
    {
        public string[] Ids { get; } = Array.ConvertAll(Records, r => r.Id);

        public int Count => Records.Length;

        IReadOnlyList<string> IVideoStoreView.Ids => Ids;

        IReadOnlyList<CoarseBlock> IVideoStoreView.CoarseBlocks => Blocks;

        IReadOnlyDictionary<string, string> IVideoStoreView.Metadata => Metadata;

        public VideoRecord GetRecord(int ordinal) =>
            (uint)ordinal < (uint)Records.Length ? Records[ordinal] : throw new ArgumentOutOfRangeException(nameof(ordinal));

        public string GetId(int ordinal) => GetRecord(ordinal).Id;

        public bool TryGetOrdinal(string id, out int ordinal) => ById.TryGetValue(id, out ordinal);

        public bool TryGetRecord(string id, out VideoRecord record)
        {
            bool found = ById.TryGetValue(id, out int ordinal);
            record = found ? Records[ordinal] : null!;
            return found;
        }

        /// <summary>The snapshot of <paramref name="records"/>; with int8 codes in the schema, their codes are kept as a file
        /// store keeps them (and, for <see cref="CoarseEncoding.Int8"/>, the records' coarse vectors become the dequantized codes).</summary>
        public static Snapshot Build(StoreSchema schema, List<VideoRecord> records, Dictionary<string, string> metadata,
            ConditionalWeakTable<VideoRecord, RegionMeanCodes> regionMeans)
        {
            int dims = schema.CoarseDimensions;
            var matrix = new float[schema.HasCoarseFloats ? records.Count * dims : 0];
            var (scales, codes) = schema.HasCoarseCodes ? CoarseQuantizer.Quantize(dims, records) : ([], []);
            var selfSimilarities = new float[records.Count];
            var byId = new Dictionary<string, int>(records.Count, StringComparer.Ordinal);
            for (int i = 0; i < records.Count; i++)
            {
                if (schema.HasCoarseFloats) records[i].Coarse.Span.CopyTo(matrix.AsSpan(i * dims, dims));
                if (schema.HasCoarseCodes)
                {
                    var recordCodes = codes.AsMemory(i * dims, dims);
                    records[i] = records[i] with
                    {
                        Coarse = schema.HasCoarseFloats ? records[i].Coarse : CoarseQuantizer.Dequantize(recordCodes.Span, scales[i]),
                        CoarseCodes = recordCodes,
                        CoarseScale = scales[i],
                    };
                }
                selfSimilarities[i] = records[i].SelfSimilarity;
                byId[records[i].Id] = i;
            }
            var (regionScales, regionCodes) = schema.RegionMeans ? RegionMeanCodes.Gather(schema, records, regionMeans) : ([], []);
            var block = new CoarseBlock(matrix, records.Count, 0, ReadOnlyMemory<bool>.Empty, selfSimilarities)
            {
                Codes = codes,
                Scales = scales,
                RegionCodes = regionCodes,
                RegionScales = regionScales,
            };
            return new Snapshot(schema, [.. records], [block], byId, metadata);
        }
    }

    /// <summary>One record's quantized region means.</summary>
    private sealed record RegionMeanCodes(sbyte[] Codes, float[] Scales)
    {
        /// <summary>The region means of every record (cached per record) as one block's codes and scales.</summary>
        public static (float[] Scales, sbyte[] Codes) Gather(StoreSchema schema, List<VideoRecord> records,
            ConditionalWeakTable<VideoRecord, RegionMeanCodes> cache)
        {
            int regions = schema.Regions, size = regions * schema.FineDimensions;
            int capacity = SegmentWriter.MaxRecords(schema);
            if (records.Count > capacity)
                throw new InvalidOperationException($"an in-memory store holds at most {capacity} videos of {schema}");
            var scales = new float[records.Count * regions];
            var codes = new sbyte[records.Count * size];
            for (int i = 0; i < records.Count; i++)
            {
                var means = cache.GetValue(records[i], record =>
                {
                    var quantized = new RegionMeanCodes(new sbyte[size], new float[regions]);
                    Storage.RegionMeans.Quantize(record, schema, quantized.Codes, quantized.Scales);
                    return quantized;
                });
                means.Codes.CopyTo(codes.AsSpan(i * size, size));
                means.Scales.CopyTo(scales.AsSpan(i * regions, regions));
            }
            return (scales, codes);
        }
    }
}
