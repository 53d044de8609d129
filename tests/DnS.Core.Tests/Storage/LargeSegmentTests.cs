using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// A real segment larger than 2 GiB: written here from the documented layout (docs/index-format.md) as a sparse file,
/// so it costs seconds and little disk, with records whose features lie beyond the 2 GiB mark. The store must verify
/// its CRC, read those records, and keep committing after it.
/// </summary>
public sealed class LargeSegmentTests : IDisposable
{
    private static readonly StoreSchema Schema = new(CoarseDimensions: 4, FineFeatureKind.Float, Regions: 1, FineDimensions: 64);
    private const int BigFrames = 8_400_000; // × 256 bytes per frame = 2.15 GB of fine features in one record
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-large-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[] Ramp(int count, float start) => Enumerable.Range(0, count).Select(i => start + i).ToArray();

    [Fact]
    public async Task A_segment_over_2_GiB_opens_verifies_reads_past_the_boundary_and_accepts_later_commits()
    {
        string index = Path.Combine(_dir, "index");
        Directory.CreateDirectory(index);
        string segment = Path.Combine(index, "seg-00000001.dns");
        float[] bigLastFrame = Ramp(64, 1), small = Ramp(128, 1000), coarse = Ramp(8, 0.5f);
        uint crc;
        long length;
        await using (var file = new FileStream(segment, FileMode.CreateNew, FileAccess.Write))
        {
            var checksum = new Crc32();
            void Write(ReadOnlySpan<byte> bytes)
            {
                checksum.Append(bytes);
                file.Write(bytes);
            }

            var header = new byte[64];
            "DNSSEG\0\0"u8.CopyTo(header);
            int[] fields = [1, 2, 4, 1, 1, 64]; // version, count, coarse dims, fine kind (float), regions, fine dims
            for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8 + 4 * i), fields[i]);
            Write(header);
            Write(MemoryMarshal.AsBytes(coarse.AsSpan()));
            Write(new byte[128 - 64 - 32]);                       // coarse section padded to 64
            long fine = 128, bigBytes = (long)BigFrames * 256;
            // Record 0: all-zero frames (a hole in the sparse file) except its last frame.
            var zeros = new byte[1 << 24];
            for (long left = bigBytes - 256; left > 0; left -= zeros.Length) checksum.Append(zeros.AsSpan(0, (int)Math.Min(zeros.Length, left)));
            file.Seek(bigBytes - 256, SeekOrigin.Current);
            Write(MemoryMarshal.AsBytes(bigLastFrame.AsSpan()));
            Write(MemoryMarshal.AsBytes(small.AsSpan()));           // record 1: 2 frames, past the 2 GiB mark
            long table = fine + bigBytes + 512;
            var entries = new byte[48];
            BinaryPrimitives.WriteInt64LittleEndian(entries, 0);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(8), BigFrames);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(12), 0);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(16), 3);
            BinaryPrimitives.WriteSingleLittleEndian(entries.AsSpan(20), 0.25f);
            BinaryPrimitives.WriteInt64LittleEndian(entries.AsSpan(24), bigBytes);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(32), 2);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(36), 3);
            BinaryPrimitives.WriteInt32LittleEndian(entries.AsSpan(40), 5);
            BinaryPrimitives.WriteSingleLittleEndian(entries.AsSpan(44), 0.75f);
            Write(entries);
            Write("bigsmall"u8);                                  // ids, 8 bytes: already aligned
            crc = checksum.GetCurrentHashAsUInt32();
            var footer = new byte[32];
            BinaryPrimitives.WriteInt64LittleEndian(footer, fine);
            BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(8), table);
            BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(16), table + 48);
            BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(24), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(28), 0x444E5345);
            file.Write(footer);
            length = file.Length;
        }
        length.Should().BeGreaterThan(int.MaxValue);
        await (IndexManifest.Empty(Schema) with { Generation = 1, Segments = [new SegmentEntry("seg-00000001.dns", 2, crc, [])] })
            .WriteAsync(index, CancellationToken.None);

        await using (var reader = await FileVideoStore.OpenAsync(index))
        {
            reader.Ids.Should().Equal("big", "small");
            reader.TryGetRecord("big", out var big).Should().BeTrue();
            big.Frames.Should().Be(BigFrames);
            big.FineFloats.Length.Should().Be(BigFrames * 64);
            big.FineFloats.Span[^64..].ToArray().Should().Equal(bigLastFrame);
            big.FineFloats.Span[1000].Should().Be(0f);
            big.SelfSimilarity.Should().Be(0.25f);
            reader.TryGetRecord("small", out var smallRecord).Should().BeTrue();
            smallRecord.FineFloats.ToArray().Should().Equal(small);
            smallRecord.Coarse.ToArray().Should().Equal(coarse[4..]);
            reader.GetStorageReport().TotalBytes.Should().BeGreaterThan(length);
        }
        // The CRC was verified above; the writer and the last reader skip re-reading 2 GiB.
        await using (var writer = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false, VerifyChecksums = false }))
        {
            await writer.AddAsync(new VideoRecord("next", 1, Ramp(4, 0), Ramp(64, 0), ReadOnlyMemory<ulong>.Empty, 0f));
            await writer.CommitAsync();
        }
        await using var reopened = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = true, VerifyChecksums = false });
        reopened.Ids.Should().Equal("big", "small", "next");
        File.Exists(segment).Should().BeTrue();
    }
}
