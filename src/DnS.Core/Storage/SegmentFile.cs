using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;

namespace DnS.Core.Storage;

/// <summary>
/// One immutable segment of a <see cref="FileVideoStore"/>: the records added by one commit. Layout (little
/// endian; see docs/index-format.md): a 64-byte header, the coarse matrix (64-byte aligned), the fine features
/// (64-byte aligned), a record table, the UTF-8 ids, and a 32-byte footer with the section offsets and a
/// CRC-32 of everything before it.
/// </summary>
internal sealed unsafe class SegmentFile : IDisposable
{
    internal const int FormatVersion = 1;
    internal const int HeaderBytes = 64, FooterBytes = 32, TableEntryBytes = 24;
    internal static ReadOnlySpan<byte> HeaderMagic => "DNSSEG\0\0"u8;
    internal const uint FooterMagic = 0x444E5345; // "ESND" little endian: end of segment

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _fineOffset, _tableOffset, _idsOffset;
    private readonly StoreSchema _schema;

    private SegmentFile(string path, StoreSchema schema, int count, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr,
        long fineOffset, long tableOffset, long idsOffset, long length)
    {
        Path = path;
        _schema = schema;
        Count = count;
        _map = map;
        _view = view;
        _base = basePtr;
        _fineOffset = fineOffset;
        _tableOffset = tableOffset;
        _idsOffset = idsOffset;
        Length = length;
        Coarse = new MappedMemory<float>(basePtr + HeaderBytes, count * schema.CoarseDimensions).Memory;
        var selfSimilarities = new float[count];
        for (int row = 0; row < count; row++) selfSimilarities[row] = BinaryPrimitives.ReadSingleLittleEndian(Entry(row)[20..]);
        SelfSimilarities = selfSimilarities;
    }

    public string Path { get; }

    public int Count { get; }

    public long Length { get; }

    public ReadOnlyMemory<float> Coarse { get; }

    public ReadOnlyMemory<float> SelfSimilarities { get; }

    public long FineBytes => _tableOffset - _fineOffset;

    public string GetId(int row)
    {
        var entry = Entry(row);
        int offset = BinaryPrimitives.ReadInt32LittleEndian(entry[12..]), length = BinaryPrimitives.ReadInt32LittleEndian(entry[16..]);
        return Encoding.UTF8.GetString(new ReadOnlySpan<byte>(_base + _idsOffset + offset, length));
    }

    public VideoRecord GetRecord(int row)
    {
        var entry = Entry(row);
        long fineByteOffset = BinaryPrimitives.ReadInt64LittleEndian(entry);
        int frames = BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);
        float selfSimilarity = BinaryPrimitives.ReadSingleLittleEndian(entry[20..]);
        byte* fine = _base + _fineOffset + fineByteOffset;
        int elements = frames * _schema.FineElementsPerFrame;
        return new VideoRecord(
            GetId(row),
            frames,
            Coarse.Slice(row * _schema.CoarseDimensions, _schema.CoarseDimensions),
            _schema.FineKind == FineFeatureKind.Float ? new MappedMemory<float>(fine, elements).Memory : ReadOnlyMemory<float>.Empty,
            _schema.FineKind == FineFeatureKind.Binary ? new MappedMemory<ulong>(fine, elements).Memory : ReadOnlyMemory<ulong>.Empty,
            selfSimilarity);
    }

    private ReadOnlySpan<byte> Entry(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row));
        return new ReadOnlySpan<byte>(_base + _tableOffset + (long)row * TableEntryBytes, TableEntryBytes);
    }

    /// <summary>Maps a segment and validates its header, footer, sizes and (optionally) its checksum.</summary>
    public static SegmentFile Open(string path, StoreSchema schema, int expectedCount, uint expectedCrc, bool verifyChecksum)
    {
        long length = File.Exists(path) ? new FileInfo(path).Length : throw new StoreCorruptException(path, "segment file is missing");
        if (length < HeaderBytes + FooterBytes) throw new StoreCorruptException(path, $"segment is truncated ({length} bytes)");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        basePtr += view.PointerOffset;
        try
        {
            var all = new ReadOnlySpan<byte>(basePtr, checked((int)length));
            var footer = all[^FooterBytes..];
            if (!all[..8].SequenceEqual(HeaderMagic) || BinaryPrimitives.ReadUInt32LittleEndian(footer[28..]) != FooterMagic)
                throw new StoreCorruptException(path, "not a DnS segment or truncated (header or footer magic missing)");
            int version = BinaryPrimitives.ReadInt32LittleEndian(all[8..]);
            if (version != FormatVersion) throw new StoreCorruptException(path, $"segment format version {version} is not supported (this library reads {FormatVersion})");
            var stored = new StoreSchema(BinaryPrimitives.ReadInt32LittleEndian(all[16..]), (FineFeatureKind)BinaryPrimitives.ReadInt32LittleEndian(all[20..]),
                BinaryPrimitives.ReadInt32LittleEndian(all[24..]), BinaryPrimitives.ReadInt32LittleEndian(all[28..]));
            int count = BinaryPrimitives.ReadInt32LittleEndian(all[12..]);
            if (stored != schema || count != expectedCount)
                throw new StoreCorruptException(path, $"segment holds {count} records of {stored}, the manifest expects {expectedCount} of {schema}");
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(footer[24..]);
            if (crc != expectedCrc) throw new StoreCorruptException(path, $"segment checksum {crc:x8} differs from the manifest's {expectedCrc:x8}");
            if (verifyChecksum && Crc32.HashToUInt32(all[..^FooterBytes]) != crc)
                throw new StoreCorruptException(path, "segment content does not match its CRC-32 (corrupted on disk)");
            long fine = BinaryPrimitives.ReadInt64LittleEndian(footer), table = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]), ids = BinaryPrimitives.ReadInt64LittleEndian(footer[16..]);
            if (fine < HeaderBytes + (long)count * schema.CoarseDimensions * 4 || table < fine || ids != table + (long)count * TableEntryBytes || ids > length - FooterBytes)
                throw new StoreCorruptException(path, "segment section offsets are inconsistent");
            return new SegmentFile(path, schema, count, map, view, basePtr, fine, table, ids, length);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
