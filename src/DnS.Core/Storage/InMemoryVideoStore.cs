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
    private volatile Snapshot _current;

    /// <summary>Creates an empty store with the given record layout.</summary>
    public InMemoryVideoStore(StoreSchema schema)
    {
        schema.Validate();
        Schema = schema;
        _current = new Snapshot([], [], new Dictionary<string, int>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));
    }

    /// <inheritdoc />
    public StoreSchema Schema { get; }

    /// <inheritdoc />
    public int Count => _current.Records.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Ids => _current.Ids;

    /// <inheritdoc />
    public IReadOnlyList<CoarseBlock> CoarseBlocks => _current.Blocks;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => _current.Metadata;

    /// <inheritdoc />
    public VideoRecord GetRecord(int ordinal) => _current.Records[ordinal];

    /// <inheritdoc />
    public string GetId(int ordinal) => _current.Records[ordinal].Id;

    /// <inheritdoc />
    public bool TryGetOrdinal(string id, out int ordinal) => _current.ById.TryGetValue(id, out ordinal);

    /// <inheritdoc />
    public bool TryGetRecord(string id, out VideoRecord record)
    {
        var snapshot = _current;
        if (snapshot.ById.TryGetValue(id, out int ordinal))
        {
            record = snapshot.Records[ordinal];
            return true;
        }
        record = null!;
        return false;
    }

    /// <inheritdoc />
    public ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default)
    {
        record.Validate(Schema);
        // Copy: the caller may reuse its buffers after this call returns.
        var owned = record with { Coarse = record.Coarse.ToArray(), FineFloats = record.FineFloats.ToArray(), FineCodes = record.FineCodes.ToArray() };
        lock (_writeLock) _staged[record.Id] = owned;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_writeLock) _stagedMetadata[key] = value;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            bool exists = (_staged.TryGetValue(id, out var staged) && staged is not null) || _current.ById.ContainsKey(id);
            if (exists) _staged[id] = null;
            return ValueTask.FromResult(exists);
        }
    }

    /// <inheritdoc />
    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
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
            _current = Snapshot.Build(records, Schema.CoarseDimensions, metadata);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public StorageReport GetStorageReport()
    {
        var snapshot = _current;
        long frames = 0, fine = 0, ids = 0;
        foreach (var r in snapshot.Records)
        {
            frames += r.Frames;
            fine += r.FineFloats.Length * sizeof(float) + r.FineCodes.Length * sizeof(ulong);
            ids += System.Text.Encoding.UTF8.GetByteCount(r.Id);
        }
        return new StorageReport(snapshot.Records.Length, frames, (long)snapshot.Records.Length * Schema.CoarseDimensions * sizeof(float), fine, ids);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed record Snapshot(VideoRecord[] Records, CoarseBlock[] Blocks, Dictionary<string, int> ById, Dictionary<string, string> Metadata)
    {
        public string[] Ids { get; } = Array.ConvertAll(Records, r => r.Id);

        public static Snapshot Build(List<VideoRecord> records, int dims, Dictionary<string, string> metadata)
        {
            var matrix = new float[records.Count * dims];
            var selfSimilarities = new float[records.Count];
            var byId = new Dictionary<string, int>(records.Count, StringComparer.Ordinal);
            for (int i = 0; i < records.Count; i++)
            {
                records[i].Coarse.Span.CopyTo(matrix.AsSpan(i * dims, dims));
                selfSimilarities[i] = records[i].SelfSimilarity;
                byId[records[i].Id] = i;
            }
            return new Snapshot([.. records], [new CoarseBlock(matrix, records.Count, 0, ReadOnlyMemory<bool>.Empty, selfSimilarities)], byId, metadata);
        }
    }
}
