using System.Runtime.InteropServices;
using DnS.Core.Storage;
using Microsoft.Data.Sqlite;

namespace DnS.Storage.Sqlite;

/// <summary>
/// A durable <see cref="IVideoStore"/> in one SQLite database file: a host that already keeps its data in SQLite
/// plugs it in instead of <see cref="FileVideoStore"/>. Staged changes are written inside one SQLite transaction
/// (begun immediately, so a second writer is refused while one is staging) that <see cref="CommitAsync"/> commits:
/// all or nothing, as durable as SQLite makes it (WAL journal). Reads are served from memory: the live records are
/// loaded at open, at every commit and <see cref="RefreshAsync"/>, so snapshots are plain immutable versions.
/// </summary>
/// <remarks>Holds every record in managed memory (coarse and fine features): meant for libraries that fit in RAM.</remarks>
public sealed class SqliteVideoStore : IVideoStore
{
    private const int FormatVersion = 1;
    private readonly string _path;
    private readonly SqliteConnection _connection;
    private readonly bool _readOnly;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteTransaction? _transaction;
    private volatile InMemoryVideoStore _current;
    private volatile bool _disposed;

    private SqliteVideoStore(string path, SqliteConnection connection, bool readOnly, InMemoryVideoStore current)
    {
        _path = path;
        _connection = connection;
        _readOnly = readOnly;
        _current = current;
    }

    /// <summary>The database file.</summary>
    public string Path => _path;

    /// <inheritdoc />
    public StoreSchema Schema => Current.Schema;

    /// <inheritdoc />
    public int Count => Current.Count;

    /// <inheritdoc />
    public IReadOnlyList<string> Ids => Current.Ids;

    /// <inheritdoc />
    public IReadOnlyList<CoarseBlock> CoarseBlocks => Current.CoarseBlocks;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Metadata => Current.Metadata;

    private InMemoryVideoStore Current
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _current;
        }
    }

    /// <summary>Creates the database (and its folder) or opens it for writing.</summary>
    /// <exception cref="ArgumentException">The schema asks for int8 coarse codes or region means, which only the file store keeps.</exception>
    /// <exception cref="InvalidOperationException">The database holds another schema, or is not a DnS store.</exception>
    /// <exception cref="StoreCorruptException">A stored record does not fit the schema.</exception>
    public static async Task<SqliteVideoStore> CreateOrOpenAsync(string path, StoreSchema schema, CancellationToken cancellationToken = default)
    {
        schema.Validate();
        if (schema.CoarseEncoding != CoarseEncoding.Float)
            throw new ArgumentException($"{path}: the SQLite store keeps float coarse vectors only, not {schema.CoarseEncoding} (use FileVideoStore for int8 codes)", nameof(schema));
        if (schema.RegionMeans)
            throw new ArgumentException($"{path}: the SQLite store keeps no region means (region picks compute them from the fine features; use FileVideoStore to keep them)", nameof(schema));
        path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var connection = await ConnectAsync(path, SqliteOpenMode.ReadWriteCreate, cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS dns_schema (version INTEGER NOT NULL, coarse_dims INTEGER NOT NULL, fine_kind INTEGER NOT NULL, regions INTEGER NOT NULL, fine_dims INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS dns_videos (id TEXT PRIMARY KEY, frames INTEGER NOT NULL, coarse BLOB NOT NULL, fine BLOB NOT NULL, self_similarity REAL);
                CREATE TABLE IF NOT EXISTS dns_metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """, cancellationToken).ConfigureAwait(false);
            var stored = await ReadSchemaAsync(connection, path, cancellationToken).ConfigureAwait(false);
            if (stored is null)
                await ExecuteAsync(connection, $"INSERT INTO dns_schema VALUES ({FormatVersion}, {schema.CoarseDimensions}, {(int)schema.FineKind}, {schema.Regions}, {schema.FineDimensions})", cancellationToken).ConfigureAwait(false);
            else if (stored != schema)
                throw new InvalidOperationException($"{path}: the store holds {stored}, not {schema}");
            return new SqliteVideoStore(path, connection, readOnly: false, await LoadAsync(connection, path, schema, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens an existing database for reading only (other processes may write it; see <see cref="RefreshAsync"/>).</summary>
    /// <exception cref="FileNotFoundException">No such database.</exception>
    /// <exception cref="InvalidOperationException">The database is not a DnS store.</exception>
    public static async Task<SqliteVideoStore> OpenReadOnlyAsync(string path, CancellationToken cancellationToken = default)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no DnS SQLite store here", path);
        var connection = await ConnectAsync(path, SqliteOpenMode.ReadOnly, cancellationToken).ConfigureAwait(false);
        try
        {
            var schema = await ReadSchemaAsync(connection, path, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{path}: not a DnS store (no schema row)");
            return new SqliteVideoStore(path, connection, readOnly: true, await LoadAsync(connection, path, schema, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public IVideoStoreSnapshot AcquireSnapshot() => Current.AcquireSnapshot();

    /// <inheritdoc />
    public VideoRecord GetRecord(int ordinal) => Current.GetRecord(ordinal);

    /// <inheritdoc />
    public string GetId(int ordinal) => Current.GetId(ordinal);

    /// <inheritdoc />
    public bool TryGetOrdinal(string id, out int ordinal) => Current.TryGetOrdinal(id, out ordinal);

    /// <inheritdoc />
    public bool TryGetRecord(string id, out VideoRecord record) => Current.TryGetRecord(id, out record);

    /// <inheritdoc />
    public async ValueTask AddAsync(VideoRecord record, CancellationToken cancellationToken = default)
    {
        record.Validate(Schema);
        await StageAsync(async command =>
        {
            command.CommandText = "INSERT OR REPLACE INTO dns_videos VALUES ($id, $frames, $coarse, $fine, $self)";
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$frames", record.Frames);
            command.Parameters.AddWithValue("$coarse", MemoryMarshal.AsBytes(record.Coarse.Span).ToArray());
            command.Parameters.AddWithValue("$fine", Schema.FineKind == FineFeatureKind.Binary
                ? MemoryMarshal.AsBytes(record.FineCodes.Span).ToArray()
                : MemoryMarshal.AsBytes(record.FineFloats.Span).ToArray());
            command.Parameters.AddWithValue("$self", float.IsNaN(record.SelfSimilarity) ? DBNull.Value : record.SelfSimilarity);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await _current.AddAsync(record, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SetMetadataAsync(string key, string? value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await StageAsync(async command =>
        {
            command.CommandText = value is null ? "DELETE FROM dns_metadata WHERE key = $key" : "INSERT OR REPLACE INTO dns_metadata VALUES ($key, $value)";
            command.Parameters.AddWithValue("$key", key);
            if (value is not null) command.Parameters.AddWithValue("$value", value);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await _current.SetMetadataAsync(key, value, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default) =>
        await StageAsync(async command =>
        {
            if (!await _current.RemoveAsync(id, cancellationToken).ConfigureAwait(false)) return false;
            command.CommandText = "DELETE FROM dns_videos WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfReadOnly();
            if (_transaction is null) return;
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _transaction.DisposeAsync().ConfigureAwait(false);
            _transaction = null;
            await _current.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_readOnly) return; // the one writer: its state is the last commit
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try { _current = await LoadAsync(_connection, _path, Schema, cancellationToken).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }

    /// <inheritdoc />
    public StorageReport GetStorageReport() => Current.GetStorageReport();

    /// <inheritdoc />
    /// <remarks>Uncommitted changes are rolled back. Snapshots acquired before stay readable.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_transaction is not null) await _transaction.DisposeAsync().ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
            await _current.DisposeAsync().ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    private void ThrowIfReadOnly()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly) throw new InvalidOperationException($"{_path}: the store is open read-only");
    }

    /// <summary>Runs one staged change inside the open write transaction (begun at the first change of a commit).</summary>
    private async Task<bool> StageAsync(Func<SqliteCommand, Task<bool>> change, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfReadOnly();
            _transaction ??= (SqliteTransaction)await _connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
            var command = _connection.CreateCommand();
            await using var commandDisposal = command.ConfigureAwait(false);
            command.Transaction = _transaction;
            return await change(command).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    private static async Task<SqliteConnection> ConnectAsync(string path, SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<StoreSchema?> ReadSchemaAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using var commandDisposal = command.ConfigureAwait(false);
        command.CommandText = "SELECT version, coarse_dims, fine_kind, regions, fine_dims FROM dns_schema";
        StoreSchema? schema;
        try
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            int version = reader.GetInt32(0);
            if (version != FormatVersion) throw new StoreCorruptException(path, $"store format version {version} is not supported (this library reads {FormatVersion})");
            schema = new StoreSchema(reader.GetInt32(1), (FineFeatureKind)reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }
        catch (SqliteException e)
        {
            throw new InvalidOperationException($"{path}: not a DnS store ({e.Message})", e);
        }
        try
        {
            if (!Enum.IsDefined(schema.FineKind)) throw new ArgumentException($"unknown fine feature kind {(int)schema.FineKind}");
            schema.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StoreCorruptException(path, "invalid schema: " + e.Message, e);
        }
        return schema;
    }

    /// <summary>Reads every committed record and the metadata into a fresh in-memory version, validating each record.</summary>
    private static async Task<InMemoryVideoStore> LoadAsync(SqliteConnection connection, string path, StoreSchema schema, CancellationToken cancellationToken)
    {
        var store = new InMemoryVideoStore(schema);
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = "SELECT id, frames, coarse, fine, self_similarity FROM dns_videos ORDER BY rowid";
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string id = reader.GetString(0);
                byte[] coarse = (byte[])reader[2], fine = (byte[])reader[3];
                int fineUnit = schema.FineKind == FineFeatureKind.Binary ? sizeof(ulong) : sizeof(float);
                if (coarse.Length % sizeof(float) != 0 || fine.Length % fineUnit != 0)
                    throw new StoreCorruptException(path, $"video '{id}': feature blobs of {coarse.Length} and {fine.Length} bytes are not whole vectors");
                var record = new VideoRecord(id, reader.GetInt32(1), MemoryMarshal.Cast<byte, float>(coarse).ToArray(),
                    schema.FineKind == FineFeatureKind.Float ? MemoryMarshal.Cast<byte, float>(fine).ToArray() : ReadOnlyMemory<float>.Empty,
                    schema.FineKind == FineFeatureKind.Binary ? MemoryMarshal.Cast<byte, ulong>(fine).ToArray() : ReadOnlyMemory<ulong>.Empty,
                    reader.IsDBNull(4) ? float.NaN : reader.GetFloat(4));
                try
                {
                    await store.AddAsync(record, cancellationToken).ConfigureAwait(false);
                }
                catch (ArgumentException e)
                {
                    throw new StoreCorruptException(path, e.Message, e);
                }
            }
        }
        var metadataCommand = connection.CreateCommand();
        await using (metadataCommand.ConfigureAwait(false))
        {
            metadataCommand.CommandText = "SELECT key, value FROM dns_metadata";
            var reader = await metadataCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                await store.SetMetadataAsync(reader.GetString(0), reader.GetString(1), cancellationToken).ConfigureAwait(false);
        }
        await store.CommitAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }
}
