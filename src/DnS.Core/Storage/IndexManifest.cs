using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnS.Core.Storage;

/// <summary>
/// <c>manifest.json</c>, the single commit point of a <see cref="FileVideoStore"/>: the live segments and their
/// dead rows. It is replaced by an atomic rename, so readers see either the old or the new commit, never a mix.
/// </summary>
internal sealed record IndexManifest(
    string Format,
    int Version,
    long Generation,
    StoreSchema Schema,
    IReadOnlyList<SegmentEntry> Segments,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    public const string FileName = "manifest.json";
    public const string FormatName = "dns-video-index";
    /// <summary>Version 2 added <see cref="Metadata"/>; version 1 manifests open with none.</summary>
    public const int CurrentVersion = 2;
    private const int OldestReadableVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The manifest of a new, empty index.</summary>
    public static IndexManifest Empty(StoreSchema schema) =>
        new(FormatName, CurrentVersion, 0, schema, [], new Dictionary<string, string>(StringComparer.Ordinal));

    public static async Task<IndexManifest?> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        IndexManifest? manifest;
        try
        {
            await using var stream = File.OpenRead(path);
            manifest = await JsonSerializer.DeserializeAsync<IndexManifest>(stream, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new StoreCorruptException(path, "manifest is not valid JSON", e);
        }
        if (manifest is null || manifest.Format != FormatName) throw new StoreCorruptException(path, "not a DnS index manifest");
        if (manifest.Version is < OldestReadableVersion or > CurrentVersion)
            throw new StoreCorruptException(path, $"index format version {manifest.Version} is not supported (this library reads {OldestReadableVersion} to {CurrentVersion})");
        return manifest with { Metadata = manifest.Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal) };
    }

    /// <summary>Writes this manifest at the current version (an older index is upgraded by its first commit).</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, FileName), temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, this with { Version = CurrentVersion }, Json, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>One segment of a manifest: its file, record count, checksum and the rows later commits replaced or removed.</summary>
internal sealed record SegmentEntry(string File, int Count, uint Crc32, IReadOnlyList<int> Dead);
