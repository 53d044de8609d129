using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DnS.Core.Storage;

/// <summary>
/// One immutable segment of a <see cref="FileVideoStore"/>: the records added by one commit. Layout (little
/// endian; see docs/index-format.md): a 64-byte header, the coarse section (float matrix and/or int8 scales and codes,
/// each 64-byte aligned), the fine features (64-byte aligned), a record table, the UTF-8 ids, and a 32-byte footer with
/// the section offsets and a CRC-32 of everything before it. Offsets are 64-bit: a segment may exceed 2 GiB.
/// </summary>
/// <remarks>
/// Reference-counted by the store states that use it: the mapping is released when the last one lets go, after
/// which reading memory handed out from it throws <see cref="ObjectDisposedException"/> instead of faulting.
/// </remarks>
internal sealed unsafe class SegmentFile
{
    /// <summary>Version 2 added the int8 coarse codes (header field at byte 32, scales and codes after the float matrix),
    /// version 3 the region means (header flag at byte 36, codes and scales after the coarse section). A segment is
    /// written as the oldest version that holds its schema, which older readers open.</summary>
    internal const int FormatVersion = 3;
    private const int CoarseCodesVersion = 2;
    private const int OldestReadableVersion = 1;
    internal const int HeaderBytes = 64, FooterBytes = 32, TableEntryBytes = 24;
    internal static ReadOnlySpan<byte> HeaderMagic => "DNSSEG\0\0"u8;
    internal const uint FooterMagic = 0x444E5345; // "ESND" little endian: end of segment
    /// <summary>Bytes read per step when verifying the CRC-32.</summary>
    private const int ChecksumChunkBytes = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _fineOffset, _tableOffset;
    private readonly StoreSchema _schema;
    private readonly string[] _ids;
    private int _references;
    private volatile bool _unmapped;

    private SegmentFile(string path, StoreSchema schema, int count, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr,
        long fineOffset, long tableOffset, long length, string[] ids, float[] selfSimilarities)
    {
        var layout = SectionLayout.Of(schema, count);
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        _schema = schema;
        Count = count;
        _map = map;
        _view = view;
        _base = basePtr;
        _fineOffset = fineOffset;
        _tableOffset = tableOffset;
        Length = length;
        _ids = ids;
        SelfSimilarities = selfSimilarities;
        int elements = count * schema.CoarseDimensions; // validated at open: fits an int
        Coarse = schema.HasCoarseFloats ? new MappedMemory<float>(this, basePtr + HeaderBytes, elements).Memory : ReadOnlyMemory<float>.Empty;
        Scales = schema.HasCoarseCodes ? new MappedMemory<float>(this, basePtr + layout.Scales, count).Memory : ReadOnlyMemory<float>.Empty;
        Codes = schema.HasCoarseCodes ? new MappedMemory<sbyte>(this, basePtr + layout.Codes, elements).Memory : ReadOnlyMemory<sbyte>.Empty;
        int regionRows = count * schema.Regions; // validated at open: the codes fit an int
        RegionCodes = schema.RegionMeans ? new MappedMemory<sbyte>(this, basePtr + layout.RegionCodes, regionRows * schema.FineDimensions).Memory : ReadOnlyMemory<sbyte>.Empty;
        RegionScales = schema.RegionMeans ? new MappedMemory<float>(this, basePtr + layout.RegionScales, regionRows).Memory : ReadOnlyMemory<float>.Empty;
    }

    public string Path { get; }

    public string Name { get; }

    public int Count { get; }

    public long Length { get; }

    /// <summary>The float coarse matrix (empty when the schema keeps only codes).</summary>
    public ReadOnlyMemory<float> Coarse { get; }

    /// <summary>The int8 coarse codes, N × dims (empty unless the schema keeps codes).</summary>
    public ReadOnlyMemory<sbyte> Codes { get; }

    /// <summary>One scale per row of <see cref="Codes"/>.</summary>
    public ReadOnlyMemory<float> Scales { get; }

    /// <summary>The int8 region means, N × R × D (empty unless the schema keeps <see cref="StoreSchema.RegionMeans"/>).</summary>
    public ReadOnlyMemory<sbyte> RegionCodes { get; }

    /// <summary>One scale per row of <see cref="RegionCodes"/> (N × R).</summary>
    public ReadOnlyMemory<float> RegionScales { get; }

    public ReadOnlyMemory<float> SelfSimilarities { get; }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the mapping is released.</summary>
    public void ThrowIfUnmapped()
    {
        if (_unmapped) throw new ObjectDisposedException(Path, $"{Path}: the segment was released (its snapshot or store is disposed); hold an IVideoStoreSnapshot while reading its records");
    }

    /// <summary>Takes a reference unless the mapping is already released.</summary>
    public bool TryAcquire()
    {
        for (int refs = Volatile.Read(ref _references); ; )
        {
            if (refs <= 0 || _unmapped) return false;
            int seen = Interlocked.CompareExchange(ref _references, refs + 1, refs);
            if (seen == refs) return true;
            refs = seen;
        }
    }

    /// <summary>Takes the first reference of a segment just opened.</summary>
    public void AcquireFirst() => Interlocked.Increment(ref _references);

    /// <summary>Drops a reference; the last one unmaps the file and returns true.</summary>
    public bool Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return false;
        _unmapped = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        return true;
    }

    public string GetId(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row));
        return _ids[row];
    }

    public VideoRecord GetRecord(int row)
    {
        ThrowIfUnmapped();
        var entry = Entry(row);
        long fineByteOffset = BinaryPrimitives.ReadInt64LittleEndian(entry);
        int frames = BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);
        byte* fine = _base + _fineOffset + fineByteOffset;
        int elements = frames * _schema.FineElementsPerFrame; // validated at open: fits an int and lies inside the fine section
        int dims = _schema.CoarseDimensions;
        var codes = _schema.HasCoarseCodes ? Codes.Slice(row * dims, dims) : ReadOnlyMemory<sbyte>.Empty;
        float scale = _schema.HasCoarseCodes ? Scales.Span[row] : 0f;
        return new VideoRecord(
            _ids[row],
            frames,
            _schema.HasCoarseFloats ? Coarse.Slice(row * dims, dims) : CoarseQuantizer.Dequantize(codes.Span, scale),
            _schema.FineKind == FineFeatureKind.Float ? new MappedMemory<float>(this, fine, elements).Memory : ReadOnlyMemory<float>.Empty,
            _schema.FineKind == FineFeatureKind.Binary ? new MappedMemory<ulong>(this, fine, elements).Memory : ReadOnlyMemory<ulong>.Empty,
            SelfSimilarities.Span[row])
        {
            CoarseCodes = codes,
            CoarseScale = scale,
        };
    }

    private ReadOnlySpan<byte> Entry(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row));
        return new ReadOnlySpan<byte>(_base + _tableOffset + (long)row * TableEntryBytes, TableEntryBytes);
    }

    /// <summary>
    /// Maps a segment (with no reference taken yet) and validates everything in it before anything is read through the
    /// map: header, footer, schema and count against the manifest, section offsets and every record-table entry
    /// against the file's bounds, the ids' UTF-8, and (optionally) its CRC-32, computed in chunks.
    /// </summary>
    /// <exception cref="StoreCorruptException">The file is missing, damaged or crafted; the message names it.</exception>
    public static SegmentFile Open(string path, StoreSchema schema, int expectedCount, uint expectedCrc, bool verifyChecksum)
    {
        FileStream stream;
        try
        {
            // Delete sharing: the writer may retire this segment while a reader maps it.
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException e)
        {
            throw new StoreCorruptException(path, "segment file is missing", e);
        }
        long length = RandomAccess.GetLength(stream.SafeFileHandle);
        if (length < HeaderBytes + FooterBytes)
        {
            stream.Dispose();
            throw new StoreCorruptException(path, $"segment is truncated ({length} bytes)");
        }
        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* basePtr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        basePtr += view.PointerOffset;
        try
        {
            var (count, fine, table, selfSimilarities, idStrings) = Validate(path, stream.SafeFileHandle, basePtr, length, schema, expectedCount, expectedCrc, verifyChecksum);
            return new SegmentFile(path, schema, count, map, view, basePtr, fine, table, length, idStrings, selfSimilarities);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    private static (int Count, long Fine, long Table, float[] SelfSimilarities, string[] IdStrings) Validate(
        string path, SafeFileHandle handle, byte* basePtr, long length, StoreSchema schema, int expectedCount, uint expectedCrc, bool verifyChecksum)
    {
        void Check(bool ok, string message)
        {
            if (!ok) throw new StoreCorruptException(path, message);
        }

        var header = new ReadOnlySpan<byte>(basePtr, HeaderBytes);
        var footer = new ReadOnlySpan<byte>(basePtr + length - FooterBytes, FooterBytes);
        Check(header[..8].SequenceEqual(HeaderMagic) && BinaryPrimitives.ReadUInt32LittleEndian(footer[28..]) == FooterMagic,
            "not a DnS segment or truncated (header or footer magic missing)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        Check(version is >= OldestReadableVersion and <= FormatVersion, $"segment format version {version} is not supported (this library reads {OldestReadableVersion} to {FormatVersion})");
        var stored = new StoreSchema(BinaryPrimitives.ReadInt32LittleEndian(header[16..]), (FineFeatureKind)BinaryPrimitives.ReadInt32LittleEndian(header[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[24..]), BinaryPrimitives.ReadInt32LittleEndian(header[28..]))
        {
            CoarseEncoding = (CoarseEncoding)BinaryPrimitives.ReadInt32LittleEndian(header[32..]),
            RegionMeans = BinaryPrimitives.ReadInt32LittleEndian(header[36..]) != 0,
        };
        Check(version >= VersionOf(stored), $"segment format version {version} cannot hold {stored.CoarseEncoding} coarse vectors{(stored.RegionMeans ? " and region means" : "")}");
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        Check(stored == schema && count == expectedCount, $"segment holds {count} records of {stored}, the manifest expects {expectedCount} of {schema}");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(footer[24..]);
        Check(crc == expectedCrc, $"segment checksum {crc:x8} differs from the manifest's {expectedCrc:x8}");
        long end = length - FooterBytes;
        if (verifyChecksum) Check(Checksum(handle, end) == crc, "segment content does not match its CRC-32 (corrupted on disk)");

        // The layout is fully determined by the record table, so every offset (including the footer's, which the CRC
        // does not cover) is checked against the one the writer produces: a crafted table cannot point anywhere else.
        long fine = BinaryPrimitives.ReadInt64LittleEndian(footer), table = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]), ids = BinaryPrimitives.ReadInt64LittleEndian(footer[16..]);
        long coarseElements = (long)count * schema.CoarseDimensions;
        long regionElements = schema.RegionMeans ? (long)count * schema.Regions * schema.FineDimensions : 0;
        Check(count >= 0 && coarseElements <= int.MaxValue && regionElements <= int.MaxValue, $"segment holds {coarseElements} coarse and {regionElements} region-mean elements, more than one section addresses");
        var layout = SectionLayout.Of(schema, count);
        Check(fine == layout.End && table >= fine && ids == table + (long)count * TableEntryBytes && ids <= end, "segment section offsets are inconsistent");
        CheckScales(layout.Scales, schema.HasCoarseCodes ? count : 0, "int8 coarse scale");
        CheckScales(layout.RegionScales, schema.RegionMeans ? count * schema.Regions : 0, "region-mean scale");
        void CheckScales(long offset, int rows, string what)
        {
            for (int row = 0; row < rows; row++)
            {
                float scale = BinaryPrimitives.ReadSingleLittleEndian(new ReadOnlySpan<byte>(basePtr + offset + ((long)row * sizeof(float)), sizeof(float)));
                Check(float.IsFinite(scale) && scale >= 0, $"row {row}: {what} {scale} is not a finite number ≥ 0");
            }
        }

        long fineBytes = table - fine, idBytes = end - ids, nextFine = 0, nextId = 0;
        int elementsPerFrame = schema.FineElementsPerFrame, bytesPerFrame = schema.FineBytesPerFrame;
        var selfSimilarities = new float[count];
        var idStrings = new string[count];
        for (int row = 0; row < count; row++)
        {
            var entry = new ReadOnlySpan<byte>(basePtr + table + (long)row * TableEntryBytes, TableEntryBytes);
            long fineOffset = BinaryPrimitives.ReadInt64LittleEndian(entry);
            int frames = BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);
            int idOffset = BinaryPrimitives.ReadInt32LittleEndian(entry[12..]), idLength = BinaryPrimitives.ReadInt32LittleEndian(entry[16..]);
            Check(frames >= 0 && (long)frames * elementsPerFrame <= int.MaxValue && fineOffset == nextFine && (long)frames * bytesPerFrame <= fineBytes - fineOffset,
                $"record {row}: {frames} frames at fine offset {fineOffset} do not fit the {fineBytes}-byte fine section after the previous records");
            Check(idOffset == nextId && idLength > 0 && idLength <= idBytes - idOffset,
                $"record {row}: id bytes [{idOffset}, +{idLength}) do not follow the previous ids inside the {idBytes}-byte id section");
            nextFine += AlignUp((long)frames * bytesPerFrame, 8);
            nextId += idLength;
            try
            {
                idStrings[row] = StrictUtf8.GetString(basePtr + ids + idOffset, idLength);
            }
            catch (DecoderFallbackException e)
            {
                throw new StoreCorruptException(path, $"record {row}: the id is not valid UTF-8", e);
            }
            selfSimilarities[row] = BinaryPrimitives.ReadSingleLittleEndian(entry[20..]);
        }
        Check(table == fine + nextFine && AlignUp(ids + nextId, 8) == end, "segment sections do not end where the record table says");
        return (count, fine, table, selfSimilarities, idStrings);
    }

    internal static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>The format version a segment of <paramref name="schema"/> is written as: the oldest that holds it.</summary>
    internal static int VersionOf(StoreSchema schema) =>
        schema.RegionMeans ? FormatVersion : schema.HasCoarseCodes ? CoarseCodesVersion : OldestReadableVersion;

    /// <summary>Where the sections before the fine features start, each 64-byte aligned: the float coarse matrix at the
    /// header's end, the N int8 coarse scales, the N × dims coarse codes, the N × R × D region-mean codes and their
    /// N × R scales; <see cref="End"/> is where the fine section starts. An absent part takes no bytes.</summary>
    internal readonly record struct SectionLayout(long Scales, long Codes, long RegionCodes, long RegionScales, long End)
    {
        public static SectionLayout Of(StoreSchema schema, int count)
        {
            long elements = (long)count * schema.CoarseDimensions;
            long scales = AlignUp(HeaderBytes + (schema.HasCoarseFloats ? elements * sizeof(float) : 0), 64);
            long codes = schema.HasCoarseCodes ? AlignUp(scales + ((long)count * sizeof(float)), 64) : scales;
            long regionCodes = schema.HasCoarseCodes ? AlignUp(codes + elements, 64) : codes;
            if (!schema.RegionMeans) return new(scales, codes, regionCodes, regionCodes, regionCodes);
            long rows = (long)count * schema.Regions;
            long regionScales = AlignUp(regionCodes + rows * schema.FineDimensions, 64);
            return new(scales, codes, regionCodes, regionScales, AlignUp(regionScales + rows * sizeof(float), 64));
        }
    }

    /// <summary>CRC-32 of the first <paramref name="length"/> bytes of a file, read in pooled chunks (64-bit offsets;
    /// reading rather than touching the mapping page by page is several times faster on large files).</summary>
    internal static uint Checksum(SafeFileHandle file, long length)
    {
        var crc = new Crc32();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChecksumChunkBytes);
        try
        {
            for (long at = 0; at < length;)
            {
                int read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ChecksumChunkBytes, length - at)), at);
                if (read == 0) throw new EndOfStreamException();
                crc.Append(buffer.AsSpan(0, read));
                at += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return crc.GetCurrentHashAsUInt32();
    }
}
