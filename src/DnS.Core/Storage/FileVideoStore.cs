namespace DnS.Core.Storage;

/// <summary>
/// The durable, embedded <see cref="IVideoStore"/>: a directory of immutable, checksummed segment files (one per
/// commit, memory-mapped, so the coarse matrix is scanned without copying) and a manifest replaced by atomic
/// rename. A writer killed at any point leaves the last committed index readable. Only files the index lists are
/// ever deleted: the leftovers of a killed commit (named in its write-ahead intent log) and retired segments (named
/// in the manifest) once no snapshot holds them. One writer at a time (a lock file); any number of read-only readers,
/// in this process or others. Format and guarantees: docs/index-format.md, docs/reliability.md.
/// </summary>
public sealed class FileVideoStore : IVideoStore
{
    private const string LockFileName = "LOCK";
    /// <summary>How often a reader re-reads the manifest when a segment it names vanished (a writer retired it meanwhile).</summary>
    private const int MaxReloadAttempts = 20;

    private readonly string _directory;
    private readonly FileVideoStoreOptions _options;
    private readonly FileStream? _lock;
    private readonly Dictionary<string, SegmentFile> _mapped = new(StringComparer.Ordinal);
    private readonly Lock _segmentsLock = new();
    private readonly Dictionary<string, VideoRecord?> _staged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _stagedMetadata = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile State _state;
    private volatile bool _disposed;

    private FileVideoStore(string directory, FileVideoStoreOptions options, FileStream? lockFile, StoreSchema schema)
    {
        _directory = directory;
        _options = options;
        _lock = lockFile;
        _state = new State(this, IndexManifest.Empty(schema), []);
    }

    /// <summary>The index directory.</summary>
    public string Directory => _directory;

    /// <inheritdoc />
    /// <remarks>Fixed when the index is created, except that <see cref="AddRegionMeansAsync"/> (in this process, or in the
    /// writer's, seen here after <see cref="RefreshAsync"/>) adds <see cref="StoreSchema.RegionMeans"/>.</remarks>
    public StoreSchema Schema => _state.Manifest.Schema;

    /// <inheritdoc />
    public int Count => Current.Ids.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Ids => Current.Ids;

    /// <inheritdoc />
    public IReadOnlyList<CoarseBlock> CoarseBlocks => Current.Blocks;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => Current.Manifest.Metadata!;

    private State Current
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _state;
        }
    }

    /// <summary>
    /// Creates an index in <paramref name="directory"/> (made if missing) or opens the existing one for writing. A
    /// folder that holds anything but has no manifest is refused and left untouched: it is not an index, or one whose
    /// manifest was lost.
    /// </summary>
    /// <exception cref="InvalidOperationException">An index with a different schema exists, another writer holds the
    /// lock, or the folder is not empty and not an index.</exception>
    /// <exception cref="StoreCorruptException">The index is damaged, or its manifest is lost while segments remain.</exception>
    public static async Task<FileVideoStore> CreateOrOpenAsync(string directory, StoreSchema schema, CancellationToken cancellationToken = default)
    {
        schema.Validate();
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        if (!File.Exists(Path.Combine(directory, IndexManifest.FileName))) RefuseUnlessEmpty(directory);
        var lockFile = AcquireLock(directory);
        try
        {
            var manifest = await IndexManifest.ReadAsync(directory, cancellationToken).ConfigureAwait(false);
            if (manifest is not null && manifest.Schema != schema)
                throw new InvalidOperationException($"{directory}: the index holds {manifest.Schema}, not {schema}");
            if (manifest is null)
            {
                RefuseUnlessEmpty(directory);
                manifest = IndexManifest.Empty(schema);
                await manifest.WriteAsync(directory, cancellationToken).ConfigureAwait(false);
            }
            var store = new FileVideoStore(directory, new FileVideoStoreOptions(), lockFile, schema);
            await store.OpenAsync(manifest, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await lockFile.DisposeAsync().ConfigureAwait(false);
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
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no DnS index here (no such folder)");
        var lockFile = options.ReadOnly ? null : AcquireLock(directory);
        try
        {
            var manifest = await IndexManifest.ReadAsync(directory, cancellationToken).ConfigureAwait(false)
                ?? throw new DirectoryNotFoundException($"{directory}: no DnS index here ({IndexManifest.FileName} is missing)");
            var store = new FileVideoStore(directory, options, lockFile, manifest.Schema);
            await store.OpenAsync(manifest, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            if (lockFile is not null) await lockFile.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>The segments the snapshot uses stay mapped, and on disk, until it is disposed (even after this store is).</remarks>
    public IVideoStoreSnapshot AcquireSnapshot()
    {
        var state = Enter();
        return new VideoStoreSnapshot(state, state.Release);
    }

    /// <inheritdoc />
    public VideoRecord GetRecord(int ordinal)
    {
        var state = Enter();
        try { return state.GetRecord(ordinal); }
        finally { state.Release(); }
    }

    /// <inheritdoc />
    public string GetId(int ordinal) => Current.GetId(ordinal);

    /// <inheritdoc />
    public bool TryGetOrdinal(string id, out int ordinal) => Current.TryGetOrdinal(id, out ordinal);

    /// <inheritdoc />
    public bool TryGetRecord(string id, out VideoRecord record)
    {
        var state = Enter();
        try { return state.TryGetRecord(id, out record); }
        finally { state.Release(); }
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        record.Validate(Schema);
        // Codes a record read from a store carries are dropped: its floats may have been replaced, so they are quantized again.
        var owned = record with { Coarse = record.Coarse.ToArray(), FineFloats = record.FineFloats.ToArray(), FineCodes = record.FineCodes.ToArray(), CoarseCodes = default };
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfReadOnly();
            if (_staged.Count == 0 && _stagedMetadata.Count == 0) return;
            var state = _state;
            var segments = new List<SegmentEntry>();
            var dropped = new List<string>();
            foreach (var (entry, file) in state.Manifest.Segments.Zip(state.Files))
            {
                var dead = new SortedSet<int>(entry.Dead);
                for (int row = 0; row < entry.Count; row++)
                    if (!dead.Contains(row) && _staged.ContainsKey(file.GetId(row))) dead.Add(row);
                if (dead.Count < entry.Count) segments.Add(entry with { Dead = [.. dead] });
                else dropped.Add(entry.File);
            }
            var metadata = new Dictionary<string, string>(state.Manifest.Metadata!, StringComparer.Ordinal);
            foreach (var (key, value) in _stagedMetadata)
                if (value is null) metadata.Remove(key);
                else metadata[key] = value;
            await WriteCommitAsync(state, segments, dropped, [.. _staged.Values.OfType<VideoRecord>()], metadata, cancellationToken).ConfigureAwait(false);
            _staged.Clear();
            _stagedMetadata.Clear();
        }
        finally { _writeGate.Release(); }
    }

    /// <summary>
    /// Commits anything staged, then rewrites every live record into one segment, dropping dead rows (a commit of its
    /// own). Snapshots taken before keep reading the old segments, whose space is reclaimed once they are disposed.
    /// </summary>
    public Task CompactAsync(CancellationToken cancellationToken = default) =>
        RewriteLiveAsync(state => state.Files.Length <= 1 && state.Manifest.Segments.All(s => s.Dead.Count == 0) ? null : state.Manifest.Schema, cancellationToken);

    /// <summary>
    /// Gives an index made before region means (<see cref="StoreSchema.RegionMeans"/>) what region picks and the default
    /// policy need, without extracting anything again: commits anything staged, then rewrites every live record into one
    /// segment that keeps them and commits the schema with them, as one commit (as <see cref="CompactAsync"/>, whose
    /// crash safety it shares). Does nothing when the index keeps them. Older readers cannot open the index afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The index has no fine features, or more live videos than one segment with
    /// region means holds; nothing is changed.</exception>
    public Task AddRegionMeansAsync(CancellationToken cancellationToken = default) =>
        RewriteLiveAsync(state =>
        {
            if (state.Manifest.Schema.RegionMeans) return null;
            var schema = state.Manifest.Schema with { RegionMeans = true };
            schema.Validate();
            return schema;
        }, cancellationToken);

    /// <summary>Commits anything staged, then, unless <paramref name="target"/> gives no schema for the store's state,
    /// rewrites every live record into one segment of that schema in one commit.</summary>
    private async Task RewriteLiveAsync(Func<State, StoreSchema?> target, CancellationToken cancellationToken)
    {
        await CommitAsync(cancellationToken).ConfigureAwait(false);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfReadOnly();
            var state = _state;
            if (target(state) is not { } schema) return;
            // Records straight from the mapped segments (no copy): the state holds them until the commit replaces it.
            var live = state.Ids.Select(id => state.GetRecord(state.ById[id])).ToList();
            await WriteCommitAsync(state, [], state.Manifest.Segments.Select(s => s.File), live, state.Manifest.Metadata!, cancellationToken, schema).ConfigureAwait(false);
        }
        finally { _writeGate.Release(); }
    }

    /// <inheritdoc />
    /// <remarks>A segment the read manifest names that a writer retired meanwhile makes the reader re-read the manifest and retry.</remarks>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_lock is not null) return; // the one writer: its state is the last commit
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var manifest = await IndexManifest.ReadAsync(_directory, cancellationToken).ConfigureAwait(false)
                ?? throw new StoreCorruptException(Path.Combine(_directory, IndexManifest.FileName), "manifest disappeared");
            if (manifest.Generation != _state.Manifest.Generation) await LoadAsync(manifest, cancellationToken).ConfigureAwait(false);
        }
        finally { _writeGate.Release(); }
    }

    /// <inheritdoc />
    public StorageReport GetStorageReport()
    {
        var state = Enter();
        try
        {
            long frames = 0, fine = 0, total = new FileInfo(Path.Combine(_directory, IndexManifest.FileName)).Length;
            foreach (var file in state.Files) total += file.Length;
            foreach (string id in state.Ids)
            {
                var r = state.GetRecord(state.ById[id]);
                frames += r.Frames;
                fine += (long)r.Frames * Schema.FineBytesPerFrame;
            }
            long coarse = (long)state.Ids.Length * Schema.CoarseBytesPerVideo, regionMeans = (long)state.Ids.Length * Schema.RegionMeanBytesPerVideo;
            return new StorageReport(state.Ids.Length, frames, coarse, fine, total - coarse - fine - regionMeans) { RegionMeanBytes = regionMeans };
        }
        finally { state.Release(); }
    }

    /// <inheritdoc />
    /// <remarks>Snapshots acquired before stay readable until they are disposed; their retired segments are then
    /// unmapped, and deleted by the next writer.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            _state.Release();
            if (_lock is not null) await _lock.DisposeAsync().ConfigureAwait(false);
        }
        finally { _writeGate.Release(); }
    }

    private State Enter()
    {
        while (true)
        {
            var state = Current;
            if (state.TryAcquire()) return state;
        }
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

    /// <summary>Refuses a folder without a manifest unless it is empty (a writer killed while creating the index may
    /// have left its lock or first manifest's temporary file): writing there could only damage what it holds.</summary>
    private static void RefuseUnlessEmpty(string directory)
    {
        var foreign = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName)
            .Where(name => name is not (LockFileName or IndexManifest.TempFileName)).Order(StringComparer.Ordinal).ToList();
        if (foreign.Count == 0) return;
        string examples = string.Join(", ", foreign.Take(3).Select(n => $"'{n}'"));
        if (foreign.Any(IndexManifest.IsSegmentName))
            throw new StoreCorruptException(Path.Combine(directory, IndexManifest.FileName),
                $"the manifest is missing but {foreign.Count(IndexManifest.IsSegmentName)} segment files remain: the index lost its commit point. " +
                "Nothing was changed; restore manifest.json from a backup, or move the folder's files away to start a new index");
        throw new InvalidOperationException(
            $"{directory}: the folder holds {foreign.Count} files or folders ({examples}) and no {IndexManifest.FileName}, so it is not a DnS index. " +
            "Nothing was changed; choose an empty or new folder for the index");
    }

    /// <summary>Loads the manifest's segments; a writer then removes what a killed commit left (by its intent log) and
    /// retired segments. Nothing is deleted when loading fails.</summary>
    private async Task OpenAsync(IndexManifest manifest, CancellationToken cancellationToken)
    {
        await LoadAsync(manifest, cancellationToken).ConfigureAwait(false);
        if (_lock is null) return;
        IntentLog.Recover(_directory, LiveNames(manifest));
        DeleteUnheldRetired();
    }

    /// <summary>Opens the manifest's segments and makes it the current state. A segment missing or damaged while the
    /// manifest on disk moved on (a writer retired it after this manifest was read) makes it retry with the new one.</summary>
    private async Task LoadAsync(IndexManifest manifest, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Load(manifest);
                return;
            }
            catch (StoreCorruptException) when (attempt < MaxReloadAttempts && _lock is null)
            {
                var again = await IndexManifest.ReadAsync(_directory, cancellationToken).ConfigureAwait(false);
                if (again is null || again.Generation == manifest.Generation) throw;
                manifest = again;
            }
        }
    }

    private void Load(IndexManifest manifest)
    {
        var files = new List<SegmentFile>(manifest.Segments.Count);
        try
        {
            lock (_segmentsLock)
            {
                foreach (var entry in manifest.Segments)
                {
                    // Segments are immutable: one mapping serves every state that lists the file.
                    if (!_mapped.TryGetValue(entry.File, out var file) || !file.TryAcquire())
                    {
                        file = SegmentFile.Open(Path.Combine(_directory, entry.File), manifest.Schema, entry.Count, entry.Crc32, _options.VerifyChecksums);
                        file.AcquireFirst();
                        _mapped[entry.File] = file;
                    }
                    files.Add(file);
                }
            }
            var previous = _state;
            _state = new State(this, manifest, [.. files]);
            previous.Release();
        }
        catch
        {
            foreach (var file in files) ReleaseSegment(file);
            throw;
        }
    }

    /// <summary>Writes a commit: the intent log names the new segment before it exists, the segment is written, and the
    /// manifest's rename commits. A commit that fails before its rename deletes what it created (by name).</summary>
    private async Task WriteCommitAsync(State state, List<SegmentEntry> segments, IEnumerable<string> dropped, IReadOnlyList<VideoRecord> added,
        IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken, StoreSchema? schema = null)
    {
        long generation = state.Manifest.Generation + 1;
        var manifest = state.Manifest with { Generation = generation, Segments = segments, Metadata = metadata, Schema = schema ?? state.Manifest.Schema };
        try
        {
            string file = IndexManifest.SegmentName(generation);
            string[] creates = added.Count > 0 ? [IntentLog.TempName(file), file, IndexManifest.TempFileName] : [IndexManifest.TempFileName];
            await IntentLog.AppendAsync(_directory, creates, cancellationToken).ConfigureAwait(false);
            if (added.Count > 0)
            {
                uint crc = await SegmentWriter.WriteAsync(Path.Combine(_directory, file), manifest.Schema, added, cancellationToken).ConfigureAwait(false);
                segments.Add(new SegmentEntry(file, added.Count, crc, []));
            }
            // Retired files stay listed until they are gone, so a crash or a reader's mapping never leaks one for good.
            var retired = state.Manifest.Retired!.Concat(dropped).Distinct(StringComparer.Ordinal).Where(n => File.Exists(Path.Combine(_directory, n))).ToList();
            manifest = manifest with { Retired = retired };
            await manifest.WriteAsync(_directory, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whatever reached the disk decides what is kept: a failure after the rename keeps the new segment.
            var onDisk = await IndexManifest.ReadAsync(_directory, CancellationToken.None).ConfigureAwait(false);
            if (onDisk is not null)
            {
                if (onDisk.Generation == generation) Load(onDisk);
                IntentLog.Recover(_directory, LiveNames(onDisk));
            }
            throw;
        }
        Load(manifest);
        IntentLog.Recover(_directory, LiveNames(manifest));
        DeleteUnheldRetired();
    }

    private static HashSet<string> LiveNames(IndexManifest manifest) => manifest.Segments.Select(s => s.File).ToHashSet(StringComparer.Ordinal);

    /// <summary>Deletes the retired segments no snapshot of this process maps (others are deleted when released).</summary>
    private void DeleteUnheldRetired()
    {
        lock (_segmentsLock)
            foreach (string name in _state.Manifest.Retired!)
                if (!_mapped.ContainsKey(name)) FileOwnership.TryDelete(Path.Combine(_directory, name));
    }

    /// <summary>Drops a state's reference; the last one unmaps the segment, and a writer deletes it if it is retired.</summary>
    private void ReleaseSegment(SegmentFile file)
    {
        if (!file.Release()) return;
        lock (_segmentsLock)
        {
            if (_mapped.TryGetValue(file.Name, out var mapped) && ReferenceEquals(mapped, file)) _mapped.Remove(file.Name);
            if (_lock is not null && !_disposed && _state.Manifest.Retired!.Contains(file.Name)) FileOwnership.TryDelete(file.Path);
        }
    }

    /// <summary>One committed version: the manifest, its mapped segments and the ordinal maps; reference-counted by the
    /// store (while current) and by its snapshots. The last release lets go of its segments.</summary>
    private sealed class State : IVideoStoreView
    {
        private readonly FileVideoStore _owner;
        private int _references = 1;

        public State(FileVideoStore owner, IndexManifest manifest, SegmentFile[] files)
        {
            _owner = owner;
            Manifest = manifest;
            Files = files;
            Dead = manifest.Segments.Select(s => s.Dead.ToHashSet()).ToArray();
            FirstOrdinals = new int[files.Length];
            Blocks = new CoarseBlock[files.Length];
            var ids = new List<string>();
            Total = files.Sum(f => f.Count);
            int ordinal = 0;
            for (int s = 0; s < files.Length; s++)
            {
                var file = files[s];
                FirstOrdinals[s] = ordinal;
                var live = new bool[file.Count];
                for (int row = 0; row < file.Count; row++)
                {
                    if (!(live[row] = !Dead[s].Contains(row))) continue;
                    string id = file.GetId(row);
                    if (!ById.TryAdd(id, ordinal + row))
                        throw new StoreCorruptException(Path.Combine(owner._directory, IndexManifest.FileName),
                            $"video '{id}' is live twice (in {files[SegmentOf(ById[id])].Name} and {file.Name})");
                    ids.Add(id);
                }
                Blocks[s] = new CoarseBlock(file.Coarse, file.Count, ordinal, Dead[s].Count == 0 ? ReadOnlyMemory<bool>.Empty : live, file.SelfSimilarities)
                {
                    Codes = file.Codes,
                    Scales = file.Scales,
                    RegionCodes = file.RegionCodes,
                    RegionScales = file.RegionScales,
                };
                ordinal += file.Count;
            }
            Ids = [.. ids];
        }

        public IndexManifest Manifest { get; }

        public SegmentFile[] Files { get; }

        public HashSet<int>[] Dead { get; }

        public int[] FirstOrdinals { get; }

        public int Total { get; }

        public string[] Ids { get; }

        public Dictionary<string, int> ById { get; } = new(StringComparer.Ordinal);

        public CoarseBlock[] Blocks { get; }

        public StoreSchema Schema => Manifest.Schema;

        public int Count => Ids.Length;

        IReadOnlyList<string> IVideoStoreView.Ids => Ids;

        IReadOnlyList<CoarseBlock> IVideoStoreView.CoarseBlocks => Blocks;

        public IReadOnlyDictionary<string, string> Metadata => Manifest.Metadata!;

        public bool TryAcquire()
        {
            for (int refs = Volatile.Read(ref _references); refs > 0;)
            {
                int seen = Interlocked.CompareExchange(ref _references, refs + 1, refs);
                if (seen == refs) return true;
                refs = seen;
            }
            return false;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) != 0) return;
            foreach (var file in Files) _owner.ReleaseSegment(file);
        }

        public VideoRecord GetRecord(int ordinal)
        {
            int s = SegmentOf(ordinal);
            return Files[s].GetRecord(ordinal - FirstOrdinals[s]);
        }

        public string GetId(int ordinal)
        {
            int s = SegmentOf(ordinal);
            return Files[s].GetId(ordinal - FirstOrdinals[s]);
        }

        public bool TryGetOrdinal(string id, out int ordinal) => ById.TryGetValue(id, out ordinal);

        public bool TryGetRecord(string id, out VideoRecord record)
        {
            bool found = ById.TryGetValue(id, out int ordinal);
            record = found ? GetRecord(ordinal) : null!;
            return found;
        }

        private int SegmentOf(int ordinal)
        {
            if ((uint)ordinal >= (uint)Total) throw new ArgumentOutOfRangeException(nameof(ordinal));
            int s = Array.BinarySearch(FirstOrdinals, ordinal);
            if (s < 0) s = ~s - 1;
            while (s + 1 < FirstOrdinals.Length && FirstOrdinals[s + 1] == ordinal) s++; // skip empty segments
            return s;
        }
    }
}
