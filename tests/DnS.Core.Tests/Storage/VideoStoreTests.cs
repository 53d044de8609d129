using DnS.Core.Storage;
using DnS.Storage.Sqlite;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>The IVideoStore contract, run against every implementation.</summary>
public sealed class VideoStoreTests : IDisposable
{
    private static readonly StoreSchema FloatSchema = new(CoarseDimensions: 8, FineFeatureKind.Float, Regions: 3, FineDimensions: 5);
    private static readonly StoreSchema BinarySchema = new(CoarseDimensions: 4, FineFeatureKind.Binary, Regions: 2, FineDimensions: 100);
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, FineFeatureKind> Stores() => new()
    {
        { "memory", FineFeatureKind.Float }, { "memory", FineFeatureKind.Binary },
        { "file", FineFeatureKind.Float }, { "file", FineFeatureKind.Binary },
        { "sqlite", FineFeatureKind.Float }, { "sqlite", FineFeatureKind.Binary },
    };

    private async Task<IVideoStore> Create(string kind, StoreSchema schema) => kind switch
    {
        "memory" => new InMemoryVideoStore(schema),
        "file" => await FileVideoStore.CreateOrOpenAsync(Path.Combine(_dir, "index"), schema),
        _ => await SqliteVideoStore.CreateOrOpenAsync(Path.Combine(_dir, "index.db"), schema),
    };

    [Fact]
    public async Task Sqlite_store_persists_commits_across_reopen_and_rolls_back_what_was_not_committed()
    {
        string path = Path.Combine(_dir, "index.db");
        var a = Record(BinarySchema, "a", 3, 1);
        await using (var store = await SqliteVideoStore.CreateOrOpenAsync(path, BinarySchema))
        {
            await store.AddAsync(a);
            await store.AddAsync(Record(BinarySchema, "gone", 1, 2));
            await store.SetMetadataAsync("k", "v");
            await store.CommitAsync();
            await store.RemoveAsync("gone");
            await store.CommitAsync();
            await store.AddAsync(Record(BinarySchema, "lost", 2, 9));
        }
        await using (var reader = await SqliteVideoStore.OpenReadOnlyAsync(path))
        {
            reader.Ids.Should().Equal("a");
            reader.Metadata.Should().Equal(new Dictionary<string, string> { ["k"] = "v" });
            reader.TryGetRecord("a", out var got).Should().BeTrue();
            ShouldEqual(got, a);
            var write = async () => await reader.AddAsync(a);
            await write.Should().ThrowAsync<InvalidOperationException>().WithMessage("*read-only*");
        }
        var other = async () => await SqliteVideoStore.CreateOrOpenAsync(path, FloatSchema);
        await other.Should().ThrowAsync<InvalidOperationException>().WithMessage("*holds*");
    }

    internal static VideoRecord Record(StoreSchema schema, string id, int frames, int seed)
    {
        var rng = new Random(seed);
        float[] coarse = Enumerable.Range(0, schema.CoarseDimensions).Select(_ => (float)rng.NextDouble()).ToArray();
        int elements = frames * schema.FineElementsPerFrame;
        return new VideoRecord(id, frames, coarse,
            schema.FineKind == FineFeatureKind.Float ? Enumerable.Range(0, elements).Select(_ => (float)rng.NextDouble()).ToArray() : ReadOnlyMemory<float>.Empty,
            schema.FineKind == FineFeatureKind.Binary ? Enumerable.Range(0, elements).Select(_ => (ulong)rng.NextInt64()).ToArray() : ReadOnlyMemory<ulong>.Empty,
            SelfSimilarity: seed / 10f);
    }

    private static void ShouldEqual(VideoRecord actual, VideoRecord expected)
    {
        actual.Id.Should().Be(expected.Id);
        actual.Frames.Should().Be(expected.Frames);
        actual.Coarse.ToArray().Should().Equal(expected.Coarse.ToArray());
        actual.FineFloats.ToArray().Should().Equal(expected.FineFloats.ToArray());
        actual.FineCodes.ToArray().Should().Equal(expected.FineCodes.ToArray());
        actual.SelfSimilarity.Should().Be(expected.SelfSimilarity);
    }

    private static Dictionary<string, float[]> CoarseById(IVideoStoreView store)
    {
        var result = new Dictionary<string, float[]>();
        int dims = store.Schema.CoarseDimensions;
        foreach (var block in store.CoarseBlocks)
            for (int row = 0; row < block.Count; row++)
                if (block.IsLive(row))
                    result[store.GetRecord(block.FirstOrdinal + row).Id] = block.Vectors.Span.Slice(row * dims, dims).ToArray();
        return result;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Metadata_is_committed_with_the_records(string kind, FineFeatureKind fine)
    {
        var schema = fine == FineFeatureKind.Float ? FloatSchema : BinarySchema;
        await using var store = await Create(kind, schema);
        await store.SetMetadataAsync("profile", "{\"features\":\"builtin\"}");
        await store.SetMetadataAsync("gone", "x");
        store.Metadata.Should().BeEmpty("staged metadata is invisible until commit");
        await store.CommitAsync();
        store.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["profile"] = "{\"features\":\"builtin\"}", ["gone"] = "x" });

        await store.SetMetadataAsync("gone", null);
        await store.AddAsync(Record(schema, "a", 2, 1));
        await store.CommitAsync();
        store.Metadata.Keys.Should().Equal("profile");
        store.Ids.Should().Equal("a");
    }

    [Fact]
    public async Task Metadata_survives_reopening_and_a_version_1_index_opens_with_none()
    {
        string index = Path.Combine(_dir, "index");
        await using (var store = await FileVideoStore.CreateOrOpenAsync(index, FloatSchema))
        {
            await store.AddAsync(Record(FloatSchema, "a", 2, 1));
            await store.SetMetadataAsync("k", "v");
            await store.CommitAsync();
        }
        await using (var reader = await FileVideoStore.OpenAsync(index))
        {
            reader.Metadata.Should().Equal(new Dictionary<string, string> { ["k"] = "v" });
            reader.Ids.Should().Equal("a");
        }

        // What format version 1 wrote: the same manifest without the metadata member.
        string manifestPath = Path.Combine(index, "manifest.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        json["version"] = 1;
        json.Remove("metadata");
        File.WriteAllText(manifestPath, json.ToJsonString());
        await using (var writer = await FileVideoStore.CreateOrOpenAsync(index, FloatSchema))
        {
            writer.Metadata.Should().BeEmpty();
            writer.Ids.Should().Equal("a");
            await writer.SetMetadataAsync("k", "v2");
            await writer.CommitAsync();
        }
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!["version"]!.GetValue<int>().Should().Be(3, "the first commit upgrades the manifest");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Commit_makes_records_visible_replaces_and_removes(string kind, FineFeatureKind fine)
    {
        var schema = fine == FineFeatureKind.Float ? FloatSchema : BinarySchema;
        await using var store = await Create(kind, schema);
        var a = Record(schema, "a", 3, 1);
        var b = Record(schema, "b", 0, 2);
        var c = Record(schema, "c", 7, 3);
        await store.AddAsync(a);
        await store.AddAsync(b);
        store.Count.Should().Be(0, "staged records are invisible until commit");
        await store.CommitAsync();
        await store.AddAsync(c);
        var a2 = Record(schema, "a", 5, 4);
        await store.AddAsync(a2);
        (await store.RemoveAsync("b")).Should().BeTrue();
        (await store.RemoveAsync("nope")).Should().BeFalse();
        await store.CommitAsync();

        store.Ids.Should().BeEquivalentTo(["a", "c"]);
        store.TryGetRecord("a", out var gotA).Should().BeTrue();
        ShouldEqual(gotA, a2);
        store.TryGetRecord("c", out var gotC).Should().BeTrue();
        ShouldEqual(gotC, c);
        store.TryGetRecord("b", out _).Should().BeFalse();
        store.TryGetOrdinal("c", out int ordinalC).Should().BeTrue();
        store.GetId(ordinalC).Should().Be("c");
        ShouldEqual(store.GetRecord(ordinalC), c);
        store.TryGetOrdinal("b", out _).Should().BeFalse();
        var coarse = CoarseById(store);
        coarse.Keys.Should().BeEquivalentTo(["a", "c"]);
        coarse["a"].Should().Equal(a2.Coarse.ToArray());

        var report = store.GetStorageReport();
        report.Videos.Should().Be(2);
        report.Frames.Should().Be(12);
        report.CoarseBytes.Should().Be(2 * schema.CoarseDimensions * sizeof(float));
        report.FineBytes.Should().Be(12L * schema.FineBytesPerFrame);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_snapshot_keeps_the_version_it_pinned_while_the_store_moves_on(string kind, FineFeatureKind fine)
    {
        var schema = fine == FineFeatureKind.Float ? FloatSchema : BinarySchema;
        await using var store = await Create(kind, schema);
        var a = Record(schema, "a", 3, 1);
        await store.AddAsync(a);
        await store.AddAsync(Record(schema, "b", 1, 2));
        await store.SetMetadataAsync("k", "1");
        await store.CommitAsync();
        using var snapshot = store.AcquireSnapshot();
        await store.AddAsync(Record(schema, "a", 2, 3));
        await store.RemoveAsync("b");
        await store.AddAsync(Record(schema, "c", 4, 4));
        await store.SetMetadataAsync("k", "2");
        await store.CommitAsync();

        store.Ids.Should().BeEquivalentTo(["a", "c"]);
        store.Metadata["k"].Should().Be("2");
        snapshot.Schema.Should().Be(schema);
        snapshot.Count.Should().Be(2);
        snapshot.Ids.Should().BeEquivalentTo(["a", "b"]);
        snapshot.Metadata["k"].Should().Be("1");
        snapshot.TryGetRecord("a", out var pinned).Should().BeTrue();
        ShouldEqual(pinned, a);
        snapshot.TryGetRecord("c", out _).Should().BeFalse();
        snapshot.TryGetOrdinal("b", out int b).Should().BeTrue();
        snapshot.GetId(b).Should().Be("b");
        CoarseById(snapshot)["a"].Should().Equal(a.Coarse.ToArray());
        snapshot.Invoking(s => s.GetRecord(-1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Records_that_do_not_fit_the_schema_are_rejected_with_the_sizes()
    {
        await using var store = new InMemoryVideoStore(FloatSchema);
        var bad = Record(FloatSchema, "x", 2, 1) with { FineFloats = new float[7] };
        var act = async () => await store.AddAsync(bad);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*'x'*7 floats*30 floats*");
    }

    [Fact]
    public async Task File_store_persists_across_reopen_and_uncommitted_changes_are_lost()
    {
        string dir = Path.Combine(_dir, "index");
        var a = Record(FloatSchema, "a", 4, 1);
        await using (var store = await FileVideoStore.CreateOrOpenAsync(dir, FloatSchema))
        {
            await store.AddAsync(a);
            await store.CommitAsync();
            await store.AddAsync(Record(FloatSchema, "lost", 2, 9));
        }
        await using var reopened = await FileVideoStore.OpenAsync(dir);
        reopened.Ids.Should().Equal("a");
        reopened.TryGetRecord("a", out var got).Should().BeTrue();
        ShouldEqual(got, a);
    }

    [Fact]
    public async Task Compaction_drops_dead_rows_and_keeps_live_records()
    {
        string dir = Path.Combine(_dir, "index");
        await using var store = await FileVideoStore.CreateOrOpenAsync(dir, FloatSchema);
        for (int round = 0; round < 3; round++)
        {
            await store.AddAsync(Record(FloatSchema, "same", 2, round));
            await store.AddAsync(Record(FloatSchema, $"v{round}", 1, 10 + round));
            await store.CommitAsync();
        }
        await store.CompactAsync();
        Directory.GetFiles(dir, "seg-*").Should().ContainSingle();
        store.CoarseBlocks.Should().ContainSingle().Which.Count.Should().Be(4);
        store.TryGetRecord("same", out var same).Should().BeTrue();
        ShouldEqual(same, Record(FloatSchema, "same", 2, 2));
    }

    [Fact]
    public async Task A_second_writer_is_refused_while_readers_are_welcome()
    {
        string dir = Path.Combine(_dir, "index");
        await using var writer = await FileVideoStore.CreateOrOpenAsync(dir, FloatSchema);
        var second = async () => await FileVideoStore.OpenAsync(dir, new FileVideoStoreOptions { ReadOnly = false });
        await second.Should().ThrowAsync<InvalidOperationException>().WithMessage("*another writer*");
        await using var reader = await FileVideoStore.OpenAsync(dir);
        var write = async () => await reader.AddAsync(Record(FloatSchema, "r", 1, 1));
        await write.Should().ThrowAsync<InvalidOperationException>().WithMessage("*read-only*");
    }

    [Fact]
    public async Task Readers_keep_their_snapshot_during_writes_and_see_commits_after_refresh()
    {
        string dir = Path.Combine(_dir, "index");
        await using var writer = await FileVideoStore.CreateOrOpenAsync(dir, FloatSchema);
        await writer.AddAsync(Record(FloatSchema, "a", 2, 1));
        await writer.CommitAsync();
        await using var reader = await FileVideoStore.OpenAsync(dir);

        var writes = Task.Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                await writer.AddAsync(Record(FloatSchema, $"w{i}", 3, i));
                await writer.AddAsync(Record(FloatSchema, "a", 2, 100 + i));
                await writer.CommitAsync();
            }
        });
        var reads = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                await reader.RefreshAsync();
                reader.TryGetRecord("a", out var a).Should().BeTrue("'a' is live in every committed state");
                a.Frames.Should().Be(2);
                CoarseById(reader).Keys.Should().BeEquivalentTo(reader.Ids);
            }
        });
        await Task.WhenAll(writes, reads);
        await reader.RefreshAsync();
        reader.Count.Should().Be(21);
        reader.TryGetRecord("a", out var last).Should().BeTrue();
        ShouldEqual(last, Record(FloatSchema, "a", 2, 119));
    }

    [Fact]
    public async Task Corrupted_or_truncated_segments_fail_clearly_naming_the_file()
    {
        string dir = Path.Combine(_dir, "index");
        await using (var store = await FileVideoStore.CreateOrOpenAsync(dir, FloatSchema))
        {
            await store.AddAsync(Record(FloatSchema, "a", 4, 1));
            await store.CommitAsync();
        }
        string segment = Directory.GetFiles(dir, "seg-*").Single();
        byte[] original = File.ReadAllBytes(segment);

        var flipped = (byte[])original.Clone();
        flipped[100] ^= 0x40;
        File.WriteAllBytes(segment, flipped);
        var open = async () => await FileVideoStore.OpenAsync(dir);
        await open.Should().ThrowAsync<StoreCorruptException>().WithMessage("*CRC-32*");

        File.WriteAllBytes(segment, original[..(original.Length / 2)]);
        await open.Should().ThrowAsync<StoreCorruptException>().Where(e => e.FilePath == segment);

        File.WriteAllBytes(segment, original);
        await using (var reader = await FileVideoStore.OpenAsync(dir))
            reader.Ids.Should().Equal("a");

        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{ not json");
        await open.Should().ThrowAsync<StoreCorruptException>().WithMessage("*manifest*");
    }
}
