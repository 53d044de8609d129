namespace DnS.Core.Storage;

/// <summary>
/// The durable, embedded <see cref="IVideoStore"/>: a directory of immutable, checksummed segment files (one per
/// commit, memory-mapped, so the coarse matrix is scanned without copying) and a manifest replaced by atomic
/// rename. A writer killed at any point leaves the last committed index readable; files it left behind are
/// removed by the next writer. One writer at a time (a lock file); any number of read-only readers.
/// Format: docs/index-format.md.
/// </summary>
public sealed class FileVideoStore : IVideoStore
{
    private const string LockFileName = "LOCK";

    private readonly string _directory;
    private readonly FileVideoStoreOptions _options;
    private readonly FileStream? _lock;
    private readonly Dictionary<string, SegmentFile> _mapped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VideoRecord?> _staged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _stagedMetadata = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile State _state;
    private bool _disposed;

    private FileVideoStore(string directory, FileVideoStoreOptions options, FileStream? lockFile, StoreSchema schema)
    {
        _directory = directory;
        _options = options;
        _lock = lockFile;
        Schema = schema;
        _state = State.Empty(schema);
    }

    /// <summary>The index directory.</summary>
    public string Directory => _directory;

    /// <inheritdoc />
    public StoreSchema Schema { get; }

    /// <inheritdoc />
    public int Count => _state.Ids.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Ids => _state.Ids;

    /// <inheritdoc />
    public IReadOnlyList<CoarseBlock> CoarseBlocks => _state.Blocks;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => _state.Manifest.Metadata!;

    /// <summary>Creates an index in <paramref name="directory"/> (made if missing) or opens the existing one for writing.</summary>
    /// <exception cref="InvalidOperationException">An index with a different schema exists, or another writer holds the lock.</exception>
    public static async Task<FileVideoStore> CreateOrOpenAsync(string directory, StoreSchema schema, CancellationToken cancellationToken = default)
    {
        schema.Validate();
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var lockFile = AcquireLock(directory);
        try
        {
            var manifest = await IndexManifest.ReadAsync(directory, cancellationToken);
            if (manifest is not null && manifest.Schema != schema)
                throw new InvalidOperationException($"{directory}: the index holds {manifest.Schema}, not {schema}");
            if (manifest is null)
            {
                manifest = IndexManifest.Empty(schema);
                await manifest.WriteAsync(directory, cancellationToken);
            }
            var store = new FileVideoStore(directory, new FileVideoStoreOptions(), lockFile, schema);
            store.Load(manifest);
            store.RemoveUnreferencedFiles(manifest);
            return store;
        }
        catch
        {
            await lockFile.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens an existing index (read-only unless <paramref name="options"/> says otherwise).</summary>
    /// <exception cref="DirectoryNotFoundException">No index exists there.</exception>
    /// <exception cref="StoreCorruptException">The index is damaged or of an unsupported version.</exception>
    public static async Task<FileVideoStore> OpenAsync(string directory, FileVideoStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FileVideoStoreOptions { ReadOnly = true };
        directory = Path.GetFullPath(directory);
        var lockFile = options.ReadOnly ? null : AcquireLock(directory);
        try
        {
            var manifest = await IndexManifest.ReadAsync(directory, cancellationToken)
                ?? throw new DirectoryNotFoundException($"{directory}: no DnS index here ({IndexManifest.FileName} is missing)");
            var store = new FileVideoStore(directory, options, lockFile, manifest.Schema);
            store.Load(manifest);
            if (!options.ReadOnly) store.RemoveUnreferencedFiles(manifest);
            return store;
        }
        catch
        {
            if (lockFile is not null) await lockFile.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public VideoRecord GetRecord(int ordinal)
    {
        var state = _state;
        int s = state.SegmentOf(ordinal);
        return state.Segments[s].File.GetRecord(ordinal - state.FirstOrdinals[s]);
    }

    /// <inheritdoc />
    public string GetId(int ordinal)
    {
        var state = _state;
        int s = state.SegmentOf(ordinal);
        return state.Segments[s].File.GetId(ordinal - state.FirstOrdinals[s]);
    }

    /// <inheritdoc />
    public bool TryGetOrdinal(string id, out int ordinal) => _state.ById.TryGetValue(id, out ordinal);

    /// <inheritdoc />
    public bool TryGetRecord(string id, out VideoRecord record)
    {
        if (_state.ById.TryGetValue(id, out int ordinal))
        {
            record = GetRecord(ordinal);
            return true;
        }
        record = null!;
        return false;
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        record.Validate(Schema);
        var owned = record with { Coarse = record.Coarse.ToArray(), FineFloats = record.FineFloats.ToArray(), FineCodes = record.FineCodes.ToArray() };
        await _writeGate.WaitAsync(cancellationToken);
        try { _staged[record.Id] = owned; }
        finally { _writeGate.Release(); }
    }

    /// <inheritdoc />
    public async ValueTask SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfReadOnly();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { _stagedMetadata[key] = value; }
        finally { _writeGate.Release(); }
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            bool exists = (_staged.TryGetValue(id, out var staged) && staged is not null) || _state.ById.ContainsKey(id);
            if (exists) _staged[id] = null;
            return exists;
        }
        finally { _writeGate.Release(); }
    }

    /// <inheritdoc />
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            if (_staged.Count == 0 && _stagedMetadata.Count == 0) return;
            var state = _state;
            long generation = state.Manifest.Generation + 1;
            var segments = new List<SegmentEntry>();
            foreach (var (entry, index) in state.Manifest.Segments.Select((e, i) => (e, i)))
            {
                var dead = new SortedSet<int>(entry.Dead);
                for (int row = 0; row < entry.Count; row++)
                    if (!dead.Contains(row) && _staged.ContainsKey(state.Segments[index].File.GetId(row))) dead.Add(row);
                if (dead.Count < entry.Count) segments.Add(entry with { Dead = [.. dead] });
            }
            var added = _staged.Values.Where(r => r is not null).Select(r => r!).ToList();
            if (added.Count > 0)
            {
                string file = $"seg-{generation:D8}.dns";
                uint crc = await SegmentWriter.WriteAsync(Path.Combine(_directory, file), Schema, added, cancellationToken);
                segments.Add(new SegmentEntry(file, added.Count, crc, []));
            }
            // The rename inside WriteAsync is the commit point: before it the old index is intact, after it the new one.
            var metadata = new Dictionary<string, string>(state.Manifest.Metadata!, StringComparer.Ordinal);
            foreach (var (key, value) in _stagedMetadata)
                if (value is null) metadata.Remove(key);
                else metadata[key] = value;
            var manifest = state.Manifest with { Generation = generation, Segments = segments, Metadata = metadata };
            await manifest.WriteAsync(_directory, cancellationToken);
            _staged.Clear();
            _stagedMetadata.Clear();
            Load(manifest);
            RemoveUnreferencedFiles(manifest);
        }
        finally { _writeGate.Release(); }
    }

    /// <summary>Rewrites every live record into one segment, dropping dead rows (a commit of its own).</summary>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        var state = _state;
        for (int ordinal = 0; ordinal < state.Total; ordinal++)
            if (state.IsLive(ordinal)) await AddAsync(GetRecord(ordinal), cancellationToken);
        await CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var manifest = await IndexManifest.ReadAsync(_directory, cancellationToken)
            ?? throw new StoreCorruptException(Path.Combine(_directory, IndexManifest.FileName), "manifest disappeared");
        Load(manifest);
    }

    /// <inheritdoc />
    public StorageReport GetStorageReport()
    {
        var state = _state;
        long frames = 0, fine = 0, total = new FileInfo(Path.Combine(_directory, IndexManifest.FileName)).Length;
        foreach (var (file, _, _) in state.Segments) total += file.Length;
        for (int ordinal = 0; ordinal < state.Total; ordinal++)
        {
            if (!state.IsLive(ordinal)) continue;
            var r = GetRecord(ordinal);
            frames += r.Frames;
            fine += (long)r.Frames * Schema.FineBytesPerFrame;
        }
        long coarse = (long)state.Ids.Length * Schema.CoarseDimensions * sizeof(float);
        return new StorageReport(state.Ids.Length, frames, coarse, fine, total - coarse - fine);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var segment in _mapped.Values) segment.Dispose();
        _mapped.Clear();
        if (_lock is not null) await _lock.DisposeAsync();
        _writeGate.Dispose();
    }

    private void ThrowIfReadOnly()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_lock is null) throw new InvalidOperationException($"{_directory}: the index is open read-only");
    }

    private static FileStream AcquireLock(string directory)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock that the OS drops if the process dies.
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{directory}: another writer has the index open", e);
        }
    }

    private void Load(IndexManifest manifest)
    {
        // Segments are immutable, so a mapping stays valid for readers holding records from an older state.
        var segments = new List<(SegmentFile, SegmentEntry, HashSet<int>)>();
        foreach (var entry in manifest.Segments)
        {
            if (!_mapped.TryGetValue(entry.File, out var file))
                _mapped[entry.File] = file = SegmentFile.Open(Path.Combine(_directory, entry.File), manifest.Schema, entry.Count, entry.Crc32, _options.VerifyChecksums);
            segments.Add((file, entry, [.. entry.Dead]));
        }
        _state = State.Build(manifest, segments);
    }

    private void RemoveUnreferencedFiles(IndexManifest manifest)
    {
        var live = manifest.Segments.Select(s => s.File).ToHashSet(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory))
        {
            string name = Path.GetFileName(path);
            bool leftover = name.EndsWith(".tmp", StringComparison.Ordinal) || (name.StartsWith("seg-", StringComparison.Ordinal) && !live.Contains(name));
            if (!leftover) continue;
            // A mapping outlives its file (records handed out may still point into it); it is released at dispose.
            File.Delete(path);
        }
    }

    private sealed record State(IndexManifest Manifest, (SegmentFile File, SegmentEntry Entry, HashSet<int> Dead)[] Segments,
        int[] FirstOrdinals, int Total, string[] Ids, Dictionary<string, int> ById, CoarseBlock[] Blocks)
    {
        public static State Empty(StoreSchema schema) =>
            new(IndexManifest.Empty(schema), [], [], 0, [], new(StringComparer.Ordinal), []);

        public static State Build(IndexManifest manifest, List<(SegmentFile File, SegmentEntry Entry, HashSet<int> Dead)> segments)
        {
            var firsts = new int[segments.Count];
            var ids = new List<string>();
            var byId = new Dictionary<string, int>(StringComparer.Ordinal);
            var blocks = new CoarseBlock[segments.Count];
            int ordinal = 0;
            for (int s = 0; s < segments.Count; s++)
            {
                var (file, _, dead) = segments[s];
                firsts[s] = ordinal;
                var live = new bool[file.Count];
                for (int row = 0; row < file.Count; row++)
                {
                    live[row] = !dead.Contains(row);
                    if (!live[row]) continue;
                    string id = file.GetId(row);
                    ids.Add(id);
                    byId[id] = ordinal + row;
                }
                blocks[s] = new CoarseBlock(file.Coarse, file.Count, ordinal, dead.Count == 0 ? ReadOnlyMemory<bool>.Empty : live, file.SelfSimilarities);
                ordinal += file.Count;
            }
            return new State(manifest, [.. segments], firsts, ordinal, [.. ids], byId, blocks);
        }

        public int SegmentOf(int ordinal)
        {
            if ((uint)ordinal >= (uint)Total) throw new ArgumentOutOfRangeException(nameof(ordinal));
            int s = Array.BinarySearch(FirstOrdinals, ordinal);
            if (s < 0) s = ~s - 1;
            while (s + 1 < FirstOrdinals.Length && FirstOrdinals[s + 1] == ordinal) s++; // skip empty segments
            return s;
        }

        public bool IsLive(int ordinal)
        {
            int s = SegmentOf(ordinal);
            return !Segments[s].Dead.Contains(ordinal - FirstOrdinals[s]);
        }
    }
}
