using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// Coarse vectors kept as int8 codes with one scale per vector (<see cref="CoarseEncoding"/>): the codes on disk are the
/// int8 quantization of the floats (checked against a plain re-implementation of the documented rule), mapped and scanned
/// in place, kept through reopening and compaction, with ≥ 3× fewer coarse bytes; float indexes keep the previous format.
/// </summary>
public sealed class QuantizedStoreTests : IDisposable
{
    private const int Dims = 64;
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-quantized-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static StoreSchema SchemaOf(CoarseEncoding encoding) => new(Dims, FineFeatureKind.Binary, 2, 64) { CoarseEncoding = encoding };

    /// <summary>Gaussian-like unit vectors (sum of uniforms), as coarse embeddings are L2-normalized.</summary>
    private static VideoRecord Video(StoreSchema schema, string id, int seed)
    {
        var random = new Random(seed);
        var coarse = new float[Dims];
        for (int d = 0; d < Dims; d++) coarse[d] = random.NextSingle() + random.NextSingle() + random.NextSingle() - 1.5f;
        float norm = MathF.Sqrt(coarse.Sum(x => x * x));
        for (int d = 0; d < Dims; d++) coarse[d] /= norm;
        var codes = new ulong[2 * schema.FineElementsPerFrame];
        random.NextBytes(MemoryMarshal.AsBytes(codes.AsSpan()));
        return new VideoRecord(id, 2, coarse, ReadOnlyMemory<float>.Empty, codes, seed / 100f);
    }

    /// <summary>The documented rule, written out independently: code = round-half-even(x · 127 / max|x|), scale = max|x| / 127.</summary>
    private static (sbyte[] Codes, float Scale) Reference(float[] vector)
    {
        float max = vector.Max(MathF.Abs);
        return (vector.Select(x => (sbyte)Math.Round(x * (127f / max), MidpointRounding.ToEven)).ToArray(), max / 127f);
    }

    private async Task<(string Index, Dictionary<string, VideoRecord> Live)> BuildAsync(CoarseEncoding encoding)
    {
        var schema = SchemaOf(encoding);
        string index = Path.Combine(_dir, encoding.ToString());
        var live = new Dictionary<string, VideoRecord>();
        await using var store = await FileVideoStore.CreateOrOpenAsync(index, schema);
        for (int segment = 0; segment < 2; segment++)
        {
            for (int n = 0; n < 150; n++)
            {
                var video = Video(schema, $"s{segment}v{n}", (segment * 1000) + n);
                live[video.Id] = video;
                await store.AddAsync(video);
            }
            await store.CommitAsync();
        }
        live.Remove("s0v7");
        await store.RemoveAsync("s0v7");
        await store.CommitAsync();
        return (index, live);
    }

    [Theory]
    [InlineData(CoarseEncoding.Int8)]
    [InlineData(CoarseEncoding.Int8AndFloat)]
    public async Task Quantized_codes_on_disk_are_the_int8_quantization_mapped_in_place_and_survive_compaction(CoarseEncoding encoding)
    {
        var (index, live) = await BuildAsync(encoding);
        await using (var reader = await FileVideoStore.OpenAsync(index))
            Check(reader);

        await using (var writer = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            await writer.CompactAsync();
            writer.CoarseBlocks.Should().ContainSingle("compaction rewrote every live record into one segment");
            Check(writer);
        }
        CoarseBlock released;
        await using (var reopened = await FileVideoStore.OpenAsync(index))
        {
            Check(reopened);
            released = reopened.CoarseBlocks[0];
        }
        released.Invoking(b => b.Codes.Span.ToArray()).Should().Throw<ObjectDisposedException>("the mapping is released with the last store holding it");
        released.Invoking(b => b.Scales.Span.ToArray()).Should().Throw<ObjectDisposedException>();

        void Check(FileVideoStore store)
        {
            store.Schema.CoarseEncoding.Should().Be(encoding);
            store.Count.Should().Be(live.Count);
            foreach (var block in store.CoarseBlocks)
            {
                MemoryMarshal.TryGetArray(block.Codes, out _).Should().BeFalse("the codes are the mapped segment, not a managed copy");
                MemoryMarshal.TryGetArray(block.Scales, out _).Should().BeFalse();
                block.Codes.Length.Should().Be(block.Count * Dims);
                block.Vectors.Length.Should().Be(encoding == CoarseEncoding.Int8 ? 0 : block.Count * Dims);
                for (int row = 0; row < block.Count; row++)
                {
                    if (!block.IsLive(row)) continue;
                    var original = live[store.GetId(block.FirstOrdinal + row)];
                    var (codes, scale) = Reference(original.Coarse.ToArray());
                    block.Codes.Span.Slice(row * Dims, Dims).ToArray().Should().Equal(codes);
                    block.Scales.Span[row].Should().Be(scale);
                    var record = store.GetRecord(block.FirstOrdinal + row);
                    record.Coarse.ToArray().Should().Equal(encoding == CoarseEncoding.Int8
                        ? codes.Select(c => c * scale).ToArray() // only the codes are kept: the record holds what they stand for
                        : original.Coarse.ToArray());
                    record.FineCodes.ToArray().Should().Equal(original.FineCodes.ToArray());
                }
            }
        }
    }

    [Fact]
    public async Task Quantized_coarse_takes_at_least_3x_fewer_bytes_and_float_indexes_keep_the_previous_format()
    {
        var sizes = new Dictionary<CoarseEncoding, StorageReport>();
        foreach (var encoding in Enum.GetValues<CoarseEncoding>())
        {
            var (index, live) = await BuildAsync(encoding);
            await using var store = await FileVideoStore.OpenAsync(index);
            sizes[encoding] = store.GetStorageReport();
            sizes[encoding].Videos.Should().Be(live.Count);

            // Float indexes are written exactly as before (manifest 3, segment 1: older readers open them); int8 codes need 4 and 2.
            var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!;
            manifest["version"]!.GetValue<int>().Should().Be(encoding == CoarseEncoding.Float ? 3 : 4);
            manifest["schema"]!.AsObject().ContainsKey("coarseEncoding").Should().Be(encoding != CoarseEncoding.Float);
            byte[] segment = await File.ReadAllBytesAsync(Path.Combine(index, "seg-00000001.dns"));
            BinaryPrimitives.ReadInt32LittleEndian(segment.AsSpan(8)).Should().Be(encoding == CoarseEncoding.Float ? 1 : 2);
            BinaryPrimitives.ReadInt32LittleEndian(segment.AsSpan(32)).Should().Be((int)encoding);
        }
        int videos = sizes[CoarseEncoding.Float].Videos;
        sizes[CoarseEncoding.Float].CoarseBytes.Should().Be((long)videos * Dims * 4);
        sizes[CoarseEncoding.Int8].CoarseBytes.Should().Be((long)videos * (Dims + 4));
        sizes[CoarseEncoding.Int8AndFloat].CoarseBytes.Should().Be((long)videos * ((5 * Dims) + 4));
        ((double)sizes[CoarseEncoding.Float].CoarseBytes / sizes[CoarseEncoding.Int8].CoarseBytes).Should().BeGreaterThan(3);
        (sizes[CoarseEncoding.Float].TotalBytes - sizes[CoarseEncoding.Int8].TotalBytes).Should().BeGreaterThan((long)videos * Dims * 2, "the segment files shrink with the coarse section");
    }

    [Fact]
    public async Task Quantized_index_refuses_another_encoding_and_non_finite_vectors()
    {
        var (index, _) = await BuildAsync(CoarseEncoding.Int8);
        var wrong = async () => await FileVideoStore.CreateOrOpenAsync(index, SchemaOf(CoarseEncoding.Float));
        (await wrong.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Int8");

        await using var store = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false });
        var nan = Video(store.Schema, "nan", 1);
        var coarse = nan.Coarse.ToArray();
        coarse[3] = float.NaN;
        var add = async () => await store.AddAsync(nan with { Coarse = coarse });
        (await add.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'nan'").And.Contain("NaN");
        await store.CommitAsync();
        store.TryGetOrdinal("nan", out _).Should().BeFalse("nothing was staged");
    }

    [Fact]
    public void Quantized_schema_validation_names_the_problem()
    {
        var act = () => new StoreSchema(0, FineFeatureKind.Binary, 2, 64) { CoarseEncoding = CoarseEncoding.Int8 }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*int8 coarse codes need*");
        act = () => SchemaOf((CoarseEncoding)5).Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*unknown coarse encoding 5*");
        SchemaOf(CoarseEncoding.Int8).CoarseBytesPerVideo.Should().Be(Dims + 4);
    }
}
