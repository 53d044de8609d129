using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using static DnS.Core.Storage.SegmentFile;

namespace DnS.Core.Storage;

/// <summary>Writes <see cref="SegmentFile"/>s: sequentially, checksummed, and atomically (temporary file, fsync, rename,
/// directory fsync). Offsets are 64-bit, so a segment may exceed 2 GiB.</summary>
internal static class SegmentWriter
{
    /// <summary>Writes a segment to <paramref name="path"/> (via <see cref="IntentLog.TempName"/>, fsync, rename, directory fsync)
    /// and returns its CRC-32.</summary>
    /// <exception cref="ArgumentException">The records' coarse or region-mean sections would exceed what one segment
    /// addresses (2³¹−1 elements each); nothing is written.</exception>
    public static async Task<uint> WriteAsync(string path, StoreSchema schema, IReadOnlyList<VideoRecord> records, CancellationToken cancellationToken)
    {
        int capacity = MaxRecords(schema);
        if (records.Count > capacity)
            throw new ArgumentException($"{path}: one segment holds at most {capacity} videos of {schema}, not {records.Count}", nameof(records));
        string temp = IntentLog.TempName(path);
        var crc = new Crc32();
        try
        {
            var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                long position = 0;
                async Task Write(ReadOnlyMemory<byte> bytes)
                {
                    crc.Append(bytes.Span);
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    position += bytes.Length;
                }
                async Task Align(int alignment)
                {
                    int pad = (int)((alignment - position % alignment) % alignment);
                    if (pad > 0) await Write(new byte[pad]).ConfigureAwait(false);
                }

                var header = new byte[HeaderBytes];
                HeaderMagic.CopyTo(header);
                var h = header.AsSpan(8);
                BinaryPrimitives.WriteInt32LittleEndian(h, VersionOf(schema));
                BinaryPrimitives.WriteInt32LittleEndian(h[4..], records.Count);
                BinaryPrimitives.WriteInt32LittleEndian(h[8..], schema.CoarseDimensions);
                BinaryPrimitives.WriteInt32LittleEndian(h[12..], (int)schema.FineKind);
                BinaryPrimitives.WriteInt32LittleEndian(h[16..], schema.Regions);
                BinaryPrimitives.WriteInt32LittleEndian(h[20..], schema.FineDimensions);
                BinaryPrimitives.WriteInt32LittleEndian(h[24..], (int)schema.CoarseEncoding);
                BinaryPrimitives.WriteInt32LittleEndian(h[28..], schema.RegionMeans ? 1 : 0);
                await Write(header).ConfigureAwait(false);

                if (schema.HasCoarseFloats)
                    foreach (var r in records) await Write(MemoryMarshal.AsBytes(r.Coarse.Span).ToArray()).ConfigureAwait(false);
                await Align(64).ConfigureAwait(false);
                if (schema.HasCoarseCodes)
                {
                    var (scales, codes) = CoarseQuantizer.Quantize(schema.CoarseDimensions, records);
                    await Write(MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()).ConfigureAwait(false);
                    await Align(64).ConfigureAwait(false);
                    await Write(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray()).ConfigureAwait(false);
                    await Align(64).ConfigureAwait(false);
                }
                if (schema.RegionMeans)
                {
                    // Record by record: the codes of a large commit need not fit one array.
                    int regions = schema.Regions, d = schema.FineDimensions;
                    var scales = new float[records.Count * regions];
                    var codes = new byte[regions * d];
                    for (int i = 0; i < records.Count; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        RegionMeans.Quantize(records[i], schema, MemoryMarshal.Cast<byte, sbyte>(codes.AsSpan()), scales.AsSpan(i * regions, regions));
                        await Write(codes).ConfigureAwait(false);
                    }
                    await Align(64).ConfigureAwait(false);
                    await Write(MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()).ConfigureAwait(false);
                    await Align(64).ConfigureAwait(false);
                }
                long fineOffset = position;
                var fineOffsets = new long[records.Count];
                for (int i = 0; i < records.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    fineOffsets[i] = position - fineOffset;
                    var r = records[i];
                    await Write(schema.FineKind == FineFeatureKind.Binary
                        ? MemoryMarshal.AsBytes(r.FineCodes.Span).ToArray()
                        : MemoryMarshal.AsBytes(r.FineFloats.Span).ToArray()).ConfigureAwait(false);
                    await Align(8).ConfigureAwait(false);
                }
                await Align(8).ConfigureAwait(false);
                long tableOffset = position;
                var table = new byte[records.Count * TableEntryBytes];
                var ids = new MemoryStream();
                for (int i = 0; i < records.Count; i++)
                {
                    var e = table.AsSpan(i * TableEntryBytes, TableEntryBytes);
                    byte[] id = Encoding.UTF8.GetBytes(records[i].Id);
                    BinaryPrimitives.WriteInt64LittleEndian(e, fineOffsets[i]);
                    BinaryPrimitives.WriteInt32LittleEndian(e[8..], records[i].Frames);
                    BinaryPrimitives.WriteInt32LittleEndian(e[12..], checked((int)ids.Length));
                    BinaryPrimitives.WriteInt32LittleEndian(e[16..], id.Length);
                    BinaryPrimitives.WriteSingleLittleEndian(e[20..], records[i].SelfSimilarity);
                    ids.Write(id);
                }
                await Write(table).ConfigureAwait(false);
                long idsOffset = position;
                await Write(ids.ToArray()).ConfigureAwait(false);
                await Align(8).ConfigureAwait(false);

                var footer = new byte[FooterBytes];
                BinaryPrimitives.WriteInt64LittleEndian(footer, fineOffset);
                BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(8), tableOffset);
                BinaryPrimitives.WriteInt64LittleEndian(footer.AsSpan(16), idsOffset);
                BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(24), crc.GetCurrentHashAsUInt32());
                BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(28), FooterMagic);
                await stream.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
            return crc.GetCurrentHashAsUInt32();
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The most records one segment of <paramref name="schema"/> addresses: its coarse and region-mean sections
    /// are mapped as one span each.</summary>
    internal static int MaxRecords(StoreSchema schema)
    {
        long perRecord = Math.Max(schema.CoarseDimensions, schema.RegionMeans ? (long)schema.Regions * schema.FineDimensions : 0);
        return perRecord == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, int.MaxValue / perRecord);
    }
}
