using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json.Nodes;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// The corruption half of the fault-injection suite: truncated, bit-flipped and crafted segments (crafted ones with a
/// valid CRC) and damaged or crafted manifests. Every case must raise <see cref="StoreCorruptException"/> naming the
/// damaged file, for readers and writers alike, and leave every file in the folder as it was.
/// </summary>
public sealed class StoreFaultTests : IDisposable
{
    private static readonly StoreSchema Schema = new(CoarseDimensions: 4, FineFeatureKind.Float, Regions: 2, FineDimensions: 3);
    private static readonly StoreSchema QuantizedSchema = Schema with { CoarseEncoding = CoarseEncoding.Int8AndFloat };
    private static readonly StoreSchema Int8OnlySchema = Schema with { CoarseEncoding = CoarseEncoding.Int8 };
    private static readonly StoreSchema RegionMeansSchema = Schema with { RegionMeans = true };
    private const string Manifest = "manifest.json", First = "seg-00000001.dns", Second = "seg-00000002.dns";
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-fault-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Index => Path.Combine(_dir, "index");

    private string PathOf(string file) => Path.Combine(Index, file);

    /// <summary>Commit 1 writes a (3 frames), b (2), c (1) to seg-00000001.dns; commit 2 replaces b and adds d in
    /// seg-00000002.dns, so the manifest lists row 1 of the first segment as dead.</summary>
    private async Task BuildIndex(StoreSchema schema)
    {
        await using var store = await FileVideoStore.CreateOrOpenAsync(Index, schema);
        await store.AddAsync(VideoStoreTests.Record(schema, "a", 3, 1));
        await store.AddAsync(VideoStoreTests.Record(schema, "b", 2, 2));
        await store.AddAsync(VideoStoreTests.Record(schema, "c", 1, 3));
        await store.CommitAsync();
        await store.AddAsync(VideoStoreTests.Record(schema, "b", 1, 4));
        await store.AddAsync(VideoStoreTests.Record(schema, "d", 2, 5));
        await store.CommitAsync();
    }

    /// <summary>A fault of the index built with <see cref="Schema"/>, or with <paramref name="Built"/> (int8 coarse codes).</summary>
    private sealed record Fault(string Target, string? Message, Func<StoreFaultTests, Task> Apply, StoreSchema? Built = null);

    private static readonly Dictionary<string, Fault> Faults = BuildFaults();

    public static TheoryData<string> FaultNames() => new(Faults.Keys);

    private static Dictionary<string, Fault> BuildFaults()
    {
        var faults = new Dictionary<string, Fault>();
        void Segment(string name, string? message, Action<byte[]> edit) => faults[name] = new Fault(First, message, t => t.EditSegment(edit, recomputeCrc: false));
        void Crafted(string name, string? message, Action<byte[]> edit) => faults[name] = new Fault(First, message, t => t.EditSegment(edit, recomputeCrc: true));
        void Manifest2(string name, string? message, Action<JsonObject> edit) => faults[name] = new Fault(Manifest, message, t => t.EditManifest(edit, downgrade: true));
        void Manifest3(string name, string? message, Action<JsonObject> edit) => faults[name] = new Fault(Manifest, message, t => t.EditManifest(edit, downgrade: false));
        void ManifestText(string name, string? message, string text) => faults[name] = new Fault(Manifest, message, t => File.WriteAllTextAsync(t.PathOf(Manifest), text));

        // Raw damage: truncation, extension and single bit flips across every section (the CRC or the layout catches them).
        faults["segment-empty"] = new Fault(First, "truncated (0 bytes)", t => Truncate(t.PathOf(First), 0));
        faults["segment-header-only"] = new Fault(First, "truncated", t => Truncate(t.PathOf(First), 64 + 31));
        faults["segment-half"] = new Fault(First, "magic", t => Truncate(t.PathOf(First), new FileInfo(t.PathOf(First)).Length / 2));
        faults["segment-last-byte-cut"] = new Fault(First, "magic", t => Truncate(t.PathOf(First), new FileInfo(t.PathOf(First)).Length - 1));
        faults["segment-byte-appended"] = new Fault(First, "magic", t => File.AppendAllTextAsync(t.PathOf(First), "x"));
        foreach (var (name, message, at) in new (string, string, Func<byte[], int>)[]
                 {
                     ("header-magic", "magic", _ => 0), ("header-version", "version", _ => 8), ("header-count", "records", _ => 12),
                     ("header-dims", "records of", _ => 16), ("header-padding", "CRC-32", _ => 40), ("coarse", "CRC-32", _ => 70),
                     ("fine", "CRC-32", b => (int)Footer(b, 0) + 5), ("table-frames", "CRC-32", b => (int)Footer(b, 8) + 8),
                     ("table-id-offset", "CRC-32", b => (int)Footer(b, 8) + 24 + 12), ("ids", "CRC-32", b => (int)Footer(b, 16) + 1),
                     ("footer-fine-offset", "offsets", b => b.Length - 32 + 1), ("footer-table-offset", "offsets", b => b.Length - 24),
                     ("footer-ids-offset", "offsets", b => b.Length - 16 + 2), ("footer-crc", "differs from the manifest", b => b.Length - 8),
                     ("footer-magic", "magic", b => b.Length - 4),
                 })
            Segment($"segment-bit-flip-{name}", message, b => b[at(b)] ^= 0x10);

        // Crafted record tables and headers with a valid CRC (recomputed, and the manifest updated to match).
        Crafted("crafted-frames-negative", "frames", b => Table(b, 0, 8, -1));
        Crafted("crafted-frames-huge", "frames", b => Table(b, 0, 8, int.MaxValue));
        Crafted("crafted-frames-one-more", "frames", b => Table(b, 2, 8, 2));
        Crafted("crafted-fine-offset-far", "fine offset", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan((int)Footer(b, 8) + 24), 1L << 40));
        Crafted("crafted-fine-offset-negative", "fine offset", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan((int)Footer(b, 8) + 24), -8));
        Crafted("crafted-fine-offset-overlap", "fine offset", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan((int)Footer(b, 8) + 24), 0));
        Crafted("crafted-id-offset-far", "id bytes", b => Table(b, 0, 12, 1 << 30));
        Crafted("crafted-id-length-negative", "id bytes", b => Table(b, 0, 16, -1));
        Crafted("crafted-id-length-zero", "id bytes", b => Table(b, 1, 16, 0));
        Crafted("crafted-id-length-past-end", "id bytes", b => Table(b, 2, 16, 100));
        Crafted("crafted-id-invalid-utf8", "UTF-8", b => b[(int)Footer(b, 16)] = 0xFF);
        Crafted("crafted-header-dims", "records of", b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), 5));
        Crafted("crafted-header-version", "version 4", b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 4));
        Crafted("crafted-footer-fine-shifted", "offsets", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(b.Length - 32), Footer(b, 0) + 64));
        faults["crafted-duplicate-live-id"] = new Fault(Manifest, "live twice", t => t.EditSegment(b => b[(int)Footer(b, 16) + 2] = (byte)'a', recomputeCrc: true));
        faults["segment-missing"] = new Fault(Second, "missing", t => { File.Delete(t.PathOf(Second)); return Task.CompletedTask; });

        // Manifests: unreadable, then structurally invalid (downgraded to version 2, which has no checksum, so the
        // structural checks are what must catch them), then altered version 3 manifests (live count and checksum).
        ManifestText("manifest-not-json", "not valid JSON", "{ not json");
        ManifestText("manifest-empty", "not valid JSON", "");
        ManifestText("manifest-json-null", "not a DnS index manifest", "null");
        Manifest2("manifest-format", "not a DnS index manifest", m => m["format"] = "something-else");
        Manifest2("manifest-version-99", "version 99", m => m["version"] = 99);
        Manifest2("manifest-generation-negative", "negative", m => m["generation"] = -1);
        Manifest2("manifest-schema-null", "no schema", m => m["schema"] = null);
        Manifest2("manifest-fine-kind-unknown", "unknown fine feature kind", m => m["schema"]!["fineKind"] = 7);
        Manifest2("manifest-schema-invalid", "invalid schema", m => m["schema"]!["regions"] = 0);
        Manifest2("manifest-segments-null", "no segment list", m => m["segments"] = null);
        Manifest2("manifest-segment-entry-null", "entry is null", m => m["segments"]!.AsArray()[0] = null);
        Manifest2("manifest-file-null", "not one this index writes", m => m["segments"]![0]!["file"] = null);
        Manifest2("manifest-file-parent", "not one this index writes", m => m["segments"]![0]!["file"] = "../index/" + First);
        Manifest2("manifest-file-subfolder", "not one this index writes", m => m["segments"]![0]!["file"] = "sub/" + First);
        Manifest2("manifest-file-absolute", "not one this index writes", m => m["segments"]![0]!["file"] = "/etc/passwd");
        Manifest2("manifest-segment-duplicated", "listed twice", m => m["segments"]!.AsArray().Add(m["segments"]![0]!.DeepClone()));
        Manifest2("manifest-dead-out-of-range", "out of range", m => m["segments"]![0]!["dead"] = new JsonArray(5));
        Manifest2("manifest-dead-duplicated", "duplicated", m => m["segments"]![0]!["dead"] = new JsonArray(1, 1));
        Manifest2("manifest-dead-negative", "out of range", m => m["segments"]![0]!["dead"] = new JsonArray(-1));
        Manifest2("manifest-dead-null", "no dead-row list", m => m["segments"]![0]!["dead"] = null);
        Manifest2("manifest-all-dead", "every row dead", m => m["segments"]![0]!["dead"] = new JsonArray(0, 1, 2));
        Manifest2("manifest-count-negative", "negative record count", m => m["segments"]![0]!["count"] = -3);
        Manifest2("manifest-count-type", "not valid JSON", m => m["segments"]![0]!["count"] = "three");
        Manifest2("manifest-metadata-null-value", "metadata value is null", m => m["metadata"] = new JsonObject { ["k"] = null });
        Manifest2("manifest-retired-escapes", "retired file name", m => m["retired"] = new JsonArray("../outside.dns"));
        Manifest2("manifest-retired-live", "both live and retired", m => m["retired"] = new JsonArray(First));
        faults["manifest-count-wrong"] = new Fault(First, "expects 4", t => t.EditManifest(m => m["segments"]![0]!["count"] = 4, downgrade: true));
        faults["manifest-crc-wrong"] = new Fault(First, "differs from the manifest", t => t.EditManifest(m => m["segments"]![0]!["crc32"] = 12345, downgrade: true));
        Manifest3("manifest-segment-dropped", "live videos", m => m["segments"]!.AsArray().RemoveAt(1));
        Manifest3("manifest-segment-dropped-live-fixed", "checksum", m =>
        {
            m["segments"]!.AsArray().RemoveAt(1);
            m["live"] = 2;
        });
        Manifest3("manifest-dead-row-added", "live videos", m => m["segments"]![0]!["dead"] = new JsonArray(1, 2));
        Manifest3("manifest-dead-row-moved", "checksum", m => m["segments"]![0]!["dead"] = new JsonArray(2));
        Manifest3("manifest-metadata-altered", "checksum", m => m["metadata"] = new JsonObject { ["k"] = "v" });
        Manifest3("manifest-checksum-missing", "missing", m => m.Remove("checksum"));
        Manifest3("manifest-live-missing", "missing", m => m.Remove("live"));

        // Int8 coarse codes (segment version 2, manifest version 4). The first segment holds 3 rows of 4 dims: with the
        // floats kept, floats at 64, scales at 128, codes at 192; int8 only, scales at 64, codes at 128.
        void Quantized(string name, string? message, StoreSchema built, bool recomputeCrc, Action<byte[]> edit) =>
            faults[name] = new Fault(First, message, t => t.EditSegment(edit, recomputeCrc), built);
        Quantized("quantized-bit-flip-scales", "CRC-32", QuantizedSchema, false, b => b[129] ^= 0x10);
        Quantized("quantized-bit-flip-codes", "CRC-32", QuantizedSchema, false, b => b[193] ^= 0x10);
        Quantized("quantized-int8-only-bit-flip-codes", "CRC-32", Int8OnlySchema, false, b => b[130] ^= 0x01);
        Quantized("quantized-crafted-scale-nan", "scale", QuantizedSchema, true, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(132), float.NaN));
        Quantized("quantized-crafted-scale-negative", "scale", Int8OnlySchema, true, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(64), -0.5f));
        Quantized("quantized-crafted-encoding-float", "records of", QuantizedSchema, true, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(32), 0));
        Quantized("quantized-crafted-version-1", "cannot hold", QuantizedSchema, true, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 1));
        faults["quantized-manifest-version-3"] = new Fault(Manifest, "cannot hold", t => t.EditManifest(_ => { }, downgrade: true), QuantizedSchema);
        faults["quantized-manifest-encoding-unknown"] = new Fault(Manifest, "unknown coarse encoding", t => t.EditManifest(m =>
        {
            m["version"] = 4;
            m["schema"]!["coarseEncoding"] = 9;
        }, downgrade: true), QuantizedSchema);

        // Region means (segment version 3, manifest version 5). The first segment's 3 rows × 2 regions × 3 dims: float
        // coarse at 64, region codes at 128, their 6 scales at 192, fine features at 256.
        void Regional(string name, string? message, bool recomputeCrc, Action<byte[]> edit) =>
            faults[name] = new Fault(First, message, t => t.EditSegment(edit, recomputeCrc), RegionMeansSchema);
        Regional("region-means-bit-flip-codes", "CRC-32", false, b => b[129] ^= 0x10);
        Regional("region-means-bit-flip-scales", "CRC-32", false, b => b[197] ^= 0x10);
        Regional("region-means-crafted-scale-nan", "region-mean scale", true, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(196), float.NaN));
        Regional("region-means-crafted-scale-negative", "region-mean scale", true, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(212), -1f));
        Regional("region-means-crafted-version-2", "cannot hold", true, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 2));
        Regional("region-means-crafted-flag-off", "records of", true, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(36), 0));
        faults["region-means-manifest-version-4"] = new Fault(Manifest, "cannot hold region means",
            t => t.EditManifest(m => m["version"] = 4, downgrade: false), RegionMeansSchema);
        return faults;
    }

    private static long Footer(byte[] segment, int field) => BinaryPrimitives.ReadInt64LittleEndian(segment.AsSpan(segment.Length - 32 + field));

    private static void Table(byte[] segment, int row, int field, int value) =>
        BinaryPrimitives.WriteInt32LittleEndian(segment.AsSpan((int)Footer(segment, 8) + row * 24 + field), value);

    private static Task Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(length);
        return Task.CompletedTask;
    }

    private async Task EditSegment(Action<byte[]> edit, bool recomputeCrc)
    {
        byte[] bytes = await File.ReadAllBytesAsync(PathOf(First));
        edit(bytes);
        await File.WriteAllBytesAsync(PathOf(First), bytes);
        if (!recomputeCrc) return;
        uint crc = Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 32));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), crc);
        await File.WriteAllBytesAsync(PathOf(First), bytes);
        // A consistent manifest for the crafted segment, written by the store's own manifest writer.
        var manifest = (await IndexManifest.ReadAsync(Index, CancellationToken.None))!;
        var entries = manifest.Segments.Select(s => s.File == First ? s with { Crc32 = crc } : s).ToList();
        await (manifest with { Segments = entries }).WriteAsync(Index, CancellationToken.None);
    }

    private async Task EditManifest(Action<JsonObject> edit, bool downgrade)
    {
        var json = JsonNode.Parse(await File.ReadAllTextAsync(PathOf(Manifest)))!.AsObject();
        if (downgrade)
        {
            json["version"] = 2;
            json.Remove("live");
            json.Remove("checksum");
        }
        edit(json);
        await File.WriteAllTextAsync(PathOf(Manifest), json.ToJsonString());
    }

    [Fact]
    public void Fault_catalog_has_at_least_thirty_corruptions_of_segments_and_manifests()
    {
        Faults.Count.Should().BeGreaterThanOrEqualTo(30);
        Faults.Values.Count(f => f.Target == Manifest).Should().BeGreaterThanOrEqualTo(10);
        Faults.Values.Count(f => f.Target != Manifest).Should().BeGreaterThanOrEqualTo(10);
    }

    [Theory]
    [MemberData(nameof(FaultNames))]
    public async Task Fault_corruption_is_detected_names_the_file_and_loses_nothing(string fault)
    {
        var (target, message, apply, built) = Faults[fault];
        var schema = built ?? Schema;
        await BuildIndex(schema);
        await apply(this);
        var before = StoreOwnershipTests.Contents(Index);

        var read = async () => await FileVideoStore.OpenAsync(Index);
        var write = async () => await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = false });
        var create = async () => await FileVideoStore.CreateOrOpenAsync(Index, schema);
        foreach (var open in new[] { read, write, create })
        {
            var error = (await open.Should().ThrowAsync<StoreCorruptException>()).Which;
            error.FilePath.Should().Be(PathOf(target));
            if (message is not null) error.Message.Should().Contain(message);
        }
        StoreOwnershipTests.Contents(Index).Should().BeEquivalentTo(before, "a damaged index is refused, never repaired by deleting");
    }

    [Fact]
    public async Task Fault_free_index_opens_so_the_catalog_damages_a_healthy_index()
    {
        await BuildIndex(Schema);
        await using var store = await FileVideoStore.OpenAsync(Index);
        store.Ids.Should().BeEquivalentTo(["a", "c", "b", "d"]);
    }
}
