using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using DnS.Core.Storage;
using DnS.Storage.Sqlite;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// Region means kept in the index (<see cref="StoreSchema.RegionMeans"/>): per record and region, the unit mean over
/// frames of the fine vectors (bits as ±1), as int8 codes with one scale per region — checked against a plain
/// re-implementation in double of the documented rule — mapped in place, kept through reopening and compaction, equal in
/// the in-memory store, and refused by stores that cannot keep them.
/// </summary>
public sealed class RegionMeanStoreTests : IDisposable
{
    private const int Regions = 3, Frames = 4;
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-region-means-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static StoreSchema SchemaOf(FineFeatureKind kind, int dims) => new(8, kind, Regions, dims) { RegionMeans = true };

    private static VideoRecord Video(StoreSchema schema, string id, int seed, int frames = Frames)
    {
        var random = new Random(seed);
        var coarse = Enumerable.Range(0, schema.CoarseDimensions).Select(_ => random.NextSingle() - 0.5f).ToArray();
        if (schema.FineKind == FineFeatureKind.Binary)
        {
            var codes = new ulong[frames * schema.FineElementsPerFrame];
            random.NextBytes(MemoryMarshal.AsBytes(codes.AsSpan()));
            return new VideoRecord(id, frames, coarse, ReadOnlyMemory<float>.Empty, codes, 0.5f);
        }
        var fine = Enumerable.Range(0, frames * schema.FineElementsPerFrame).Select(_ => (random.NextSingle() * 2) - 0.8f).ToArray();
        return new VideoRecord(id, frames, coarse, fine, ReadOnlyMemory<ulong>.Empty, 0.5f);
    }

    /// <summary>The documented rule in double (the store computes in float: codes may differ by one on a half step): the unit mean of each region over frames, code = round-half-even(x · 127 /
    /// max|x|), scale = max|x| / 127 (all zero for a region with no frames).</summary>
    private static (sbyte[] Codes, float[] Scales) Reference(VideoRecord record, StoreSchema schema)
    {
        int d = schema.FineDimensions, words = (d + 63) / 64;
        var codes = new List<sbyte>();
        var scales = new List<float>();
        for (int r = 0; r < Regions; r++)
        {
            var sum = new double[d];
            for (int t = 0; t < record.Frames; t++)
                for (int i = 0; i < d; i++)
                    sum[i] += schema.FineKind == FineFeatureKind.Float
                        ? record.FineFloats.Span[((t * Regions) + r) * d + i]
                        : (record.FineCodes.Span[((t * Regions) + r) * words + (i / 64)] & (1UL << (i % 64))) != 0 ? 1 : -1;
            double norm = Math.Sqrt(sum.Sum(x => x * x));
            var unit = sum.Select(x => norm == 0 ? 0 : x / norm).ToArray();
            double max = unit.Max(Math.Abs);
            codes.AddRange(unit.Select(x => max == 0 ? (sbyte)0 : (sbyte)Math.Round(x * 127 / max, MidpointRounding.ToEven)));
            scales.Add((float)(max / 127));
        }
        return ([.. codes], [.. scales]);
    }

    [Theory]
    [InlineData(FineFeatureKind.Float, 24)]
    [InlineData(FineFeatureKind.Binary, 64)]
    [InlineData(FineFeatureKind.Binary, 72)] // a code whose last word is partly padding
    public async Task Region_means_on_disk_are_the_quantized_unit_means_mapped_in_place_and_survive_compaction(FineFeatureKind kind, int dims)
    {
        var schema = SchemaOf(kind, dims);
        string index = Path.Combine(_dir, "index");
        var live = new Dictionary<string, VideoRecord>();
        var memory = new InMemoryVideoStore(schema);
        await using (var store = await FileVideoStore.CreateOrOpenAsync(index, schema))
        {
            for (int segment = 0; segment < 2; segment++)
            {
                for (int n = 0; n < 20; n++)
                {
                    var video = Video(schema, $"s{segment}v{n}", (segment * 100) + n, frames: n == 3 ? 0 : Frames);
                    live[video.Id] = video;
                    await store.AddAsync(video);
                    await memory.AddAsync(video);
                }
                await store.CommitAsync();
            }
            live.Remove("s0v7");
            await store.RemoveAsync("s0v7");
            await store.CommitAsync();
            await memory.RemoveAsync("s0v7");
            await memory.CommitAsync();
        }

        // Manifest 5 and segment 3 with the flag at byte 36: older readers refuse the index instead of misreading it.
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!;
        manifest["version"]!.GetValue<int>().Should().Be(5);
        manifest["schema"]!["regionMeans"]!.GetValue<bool>().Should().BeTrue();
        byte[] segment1 = await File.ReadAllBytesAsync(Path.Combine(index, "seg-00000001.dns"));
        BinaryPrimitives.ReadInt32LittleEndian(segment1.AsSpan(8)).Should().Be(3);
        BinaryPrimitives.ReadInt32LittleEndian(segment1.AsSpan(36)).Should().Be(1);

        await using (var reader = await FileVideoStore.OpenAsync(index))
        {
            Check(reader, mapped: true);
            reader.GetStorageReport().RegionMeanBytes.Should().Be((long)live.Count * Regions * (dims + 4));
        }
        Check(memory, mapped: false);
        memory.GetStorageReport().RegionMeanBytes.Should().Be((long)live.Count * Regions * (dims + 4));
        await using (var writer = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            await writer.CompactAsync();
            writer.CoarseBlocks.Should().ContainSingle("compaction rewrote every live record into one segment");
            Check(writer, mapped: true);
        }

        void Check(IVideoStore store, bool mapped)
        {
            store.Count.Should().Be(live.Count);
            foreach (var block in store.CoarseBlocks)
            {
                MemoryMarshal.TryGetArray(block.RegionCodes, out _).Should().Be(!mapped, "a file store scans the mapped segment, not a copy");
                block.RegionCodes.Length.Should().Be(block.Count * Regions * dims);
                block.RegionScales.Length.Should().Be(block.Count * Regions);
                for (int row = 0; row < block.Count; row++)
                {
                    if (!block.IsLive(row)) continue;
                    var (codes, scales) = Reference(live[store.GetId(block.FirstOrdinal + row)], schema);
                    // Float arithmetic may round a code that sits on a half step (common for ±1 bit sums) the other way.
                    block.RegionCodes.Span.Slice(row * Regions * dims, Regions * dims).ToArray()
                        .Should().Equal(codes, (actual, expected) => Math.Abs(actual - expected) <= 1);
                    block.RegionScales.Span.Slice(row * Regions, Regions).ToArray()
                        .Should().Equal(scales, (actual, expected) => Math.Abs(actual - expected) <= 1e-6f * expected);
                }
            }
        }
    }

    [Fact]
    public async Task Region_means_are_refused_where_they_cannot_be_kept_and_change_nothing_without_them()
    {
        var act = () => new StoreSchema(8, FineFeatureKind.None, 0, 0) { RegionMeans = true }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*region means need fine features*");
        SchemaOf(FineFeatureKind.Float, 24).RegionMeanBytesPerVideo.Should().Be(Regions * (24 + 4));
        (SchemaOf(FineFeatureKind.Float, 24) with { RegionMeans = false }).RegionMeanBytesPerVideo.Should().Be(0);

        var sqlite = async () => await SqliteVideoStore.CreateOrOpenAsync(Path.Combine(_dir, "index.db"), SchemaOf(FineFeatureKind.Float, 24));
        (await sqlite.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("region means");

        // The same index without them: the previous format (manifest 3, segment 1), and reopening with them is refused.
        var without = SchemaOf(FineFeatureKind.Float, 24) with { RegionMeans = false };
        string index = Path.Combine(_dir, "plain");
        await using (var store = await FileVideoStore.CreateOrOpenAsync(index, without))
        {
            await store.AddAsync(Video(without, "a", 1));
            await store.CommitAsync();
            store.CoarseBlocks[0].RegionCodes.IsEmpty.Should().BeTrue();
        }
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!["version"]!.GetValue<int>().Should().Be(3);
        BinaryPrimitives.ReadInt32LittleEndian((await File.ReadAllBytesAsync(Path.Combine(index, "seg-00000001.dns"))).AsSpan(8)).Should().Be(1);
        var reopen = async () => await FileVideoStore.CreateOrOpenAsync(index, SchemaOf(FineFeatureKind.Float, 24));
        (await reopen.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("RegionMeans = True");
    }
}
