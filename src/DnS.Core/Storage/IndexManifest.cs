using System.IO.Hashing;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnS.Core.Storage;

/// <summary>
/// <c>manifest.json</c>, the single commit point of a <see cref="FileVideoStore"/>: the live segments and their
/// dead rows, the segments retired but not yet deleted, and the metadata. It is replaced by an atomic rename, so
/// readers see either the old or the new commit, never a mix. Everything read is validated before use.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Version">Format version (1 to <see cref="CurrentVersion"/>).</param>
/// <param name="Generation">Commit number; segment <c>seg-N.dns</c> was written by commit N.</param>
/// <param name="Schema">The record layout.</param>
/// <param name="Segments">The live segments in ordinal order.</param>
/// <param name="Metadata">Named values committed with the records (version 2).</param>
/// <param name="Retired">Segments no longer live whose files are deleted once no reader holds them (version 3).</param>
/// <param name="Live">Live rows over all segments, so a dropped segment entry is detected (version 3).</param>
/// <param name="Checksum">CRC-32 of this manifest serialized without the checksum (version 3).</param>
internal sealed record IndexManifest(
    string Format,
    int Version,
    long Generation,
    StoreSchema Schema,
    IReadOnlyList<SegmentEntry> Segments,
    IReadOnlyDictionary<string, string>? Metadata = null,
    IReadOnlyList<string>? Retired = null,
    long? Live = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? Checksum = null)
{
    public const string FileName = "manifest.json";
    public const string TempFileName = FileName + ".tmp";
    public const string FormatName = "dns-video-index";
    /// <summary>Version 2 added <see cref="Metadata"/>; version 3 the retired list, the live count and the checksum;
    /// version 4 the schema's <see cref="StoreSchema.CoarseEncoding"/> (int8 coarse codes); version 5 its
    /// <see cref="StoreSchema.RegionMeans"/>. An index is written as the oldest version that holds its schema (a float
    /// index as version 3), which older readers open.</summary>
    public const int CurrentVersion = 5;
    private const int FloatCoarseVersion = 3, CoarseCodesVersion = 4;
    private const int OldestReadableVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The manifest of a new, empty index.</summary>
    public static IndexManifest Empty(StoreSchema schema) =>
        new(FormatName, CurrentVersion, 0, schema, [], new Dictionary<string, string>(StringComparer.Ordinal), []);

    /// <summary>Whether <paramref name="name"/> is a segment file name this store writes (<c>seg-</c>, at least 8 digits, <c>.dns</c>):
    /// the only names a manifest may reference, so nothing outside the index directory is ever opened or deleted.</summary>
    public static bool IsSegmentName(string? name)
    {
        const string prefix = "seg-", suffix = ".dns";
        if (name is null || name.Length < prefix.Length + 8 + suffix.Length || !name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
            return false;
        foreach (char c in name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length))
            if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary>The file name of the segment commit <paramref name="generation"/> writes.</summary>
    public static string SegmentName(long generation) => $"seg-{generation:D8}.dns";

    /// <summary>Live rows: every segment's count minus its dead rows.</summary>
    public long LiveCount() => Segments.Sum(s => (long)s.Count - s.Dead.Count);

    /// <summary>Reads and validates the manifest; null when the directory has none.</summary>
    /// <exception cref="StoreCorruptException">The manifest is unreadable, inconsistent or of an unsupported version.</exception>
    public static async Task<IndexManifest?> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, FileName);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        IndexManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<IndexManifest>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new StoreCorruptException(path, "manifest is not valid JSON or has fields of the wrong type", e);
        }
        if (manifest is null || manifest.Format != FormatName) throw new StoreCorruptException(path, "not a DnS index manifest");
        return manifest.Validated(path);
    }

    private IndexManifest Validated(string path)
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw new StoreCorruptException(path, message);
        }

        Check(Version is >= OldestReadableVersion and <= CurrentVersion, $"index format version {Version} is not supported (this library reads {OldestReadableVersion} to {CurrentVersion})");
        Check(Generation >= 0, $"generation {Generation} is negative");
        Check(Schema is not null, "the manifest has no schema");
        Check(Enum.IsDefined(Schema!.FineKind), $"unknown fine feature kind {(int)Schema.FineKind}");
        Check(Schema.CoarseEncoding == CoarseEncoding.Float || Version >= CoarseCodesVersion,
            $"index format version {Version} cannot hold {Schema.CoarseEncoding} coarse vectors (version {CoarseCodesVersion} can)");
        Check(!Schema.RegionMeans || Version >= CurrentVersion, $"index format version {Version} cannot hold region means (version {CurrentVersion} can)");
        try
        {
            Schema.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StoreCorruptException(path, "invalid schema: " + e.Message, e);
        }
        Check(Segments is not null, "the manifest has no segment list");
        var names = new HashSet<string>(StringComparer.Ordinal);
        long rows = 0;
        foreach (var entry in Segments!)
        {
            Check(entry is not null, "a segment entry is null");
            Check(IsSegmentName(entry!.File), $"segment file name '{entry.File}' is not one this index writes (seg-NNNNNNNN.dns)");
            Check(names.Add(entry.File), $"segment {entry.File} is listed twice");
            Check(entry.Count >= 0, $"segment {entry.File} has a negative record count {entry.Count}");
            Check(entry.Dead is not null, $"segment {entry.File} has no dead-row list");
            int previous = -1;
            foreach (int row in entry.Dead!)
            {
                Check(row > previous && row < entry.Count, $"segment {entry.File}: dead row {row} is out of range [0, {entry.Count}), duplicated or out of order");
                previous = row;
            }
            Check(entry.Dead.Count < entry.Count || entry.Count == 0, $"segment {entry.File} is listed with every row dead");
            rows += entry.Count;
        }
        Check(rows <= int.MaxValue, $"the segments hold {rows} rows, more than one index addresses");
        Check(Metadata is null || Metadata.All(kv => kv.Value is not null), "a metadata value is null");
        Check(Retired is null || Retired.All(IsSegmentName), "a retired file name is not one this index writes");
        Check(Retired is null || !Retired.Any(names.Contains), "a segment is both live and retired");
        if (Version >= FloatCoarseVersion)
        {
            Check(Live is not null && Checksum is not null && Retired is not null && Metadata is not null, "the live count, checksum, retired list or metadata is missing");
            Check(Live == LiveCount(), $"the manifest promises {Live} live videos, its segments hold {LiveCount()} (a segment entry is missing or was altered)");
            Check(Checksum == ComputeChecksum(), $"manifest checksum {Checksum:x8} does not match its content ({ComputeChecksum():x8}): it was altered or damaged");
        }
        return this with
        {
            Metadata = Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal),
            Retired = Retired ?? [],
        };
    }

    /// <summary>The version a manifest of <paramref name="schema"/> is written as: the oldest that holds it.</summary>
    private static int VersionOf(StoreSchema schema) =>
        schema.RegionMeans ? CurrentVersion : schema.CoarseEncoding == CoarseEncoding.Float ? FloatCoarseVersion : CoarseCodesVersion;

    private uint ComputeChecksum() => Crc32.HashToUInt32(JsonSerializer.SerializeToUtf8Bytes(this with { Checksum = null }, Json));

    /// <summary>Writes this manifest at the version its schema needs (version 3 for float coarse vectors, 4 for int8 codes,
    /// 5 with region means;
    /// an older index is upgraded by its first commit): to a
    /// temporary file, fsync, rename over <see cref="FileName"/> (the commit point), directory fsync.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var content = this with { Version = VersionOf(Schema), Live = LiveCount(), Checksum = null };
        content = content with { Checksum = content.ComputeChecksum() };
        string path = Path.Combine(directory, FileName), temp = Path.Combine(directory, TempFileName);
        var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, content, Json, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(directory);
    }
}

/// <summary>One segment of a manifest: its file, record count, checksum and the rows later commits replaced or removed.</summary>
internal sealed record SegmentEntry(string File, int Count, uint Crc32, IReadOnlyList<int> Dead);
