using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace DnS.Core.Weights;

/// <summary>
/// A memory-mapped <a href="https://github.com/huggingface/safetensors">safetensors</a> file: an 8-byte
/// little-endian header length, a JSON header (dtype, shape, data_offsets per tensor, optional
/// <c>__metadata__</c>), then the raw data. Tensors are read in place, without copying the file.
/// </summary>
public sealed unsafe class SafeTensorsFile : ITensorSource
{
    private const long MaxHeaderBytes = 100 * 1024 * 1024;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly long _dataLength;
    private bool _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr,
        long dataStart, long dataLength, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        SourceName = path;
        _map = map;
        _view = view;
        _base = basePtr;
        _dataStart = dataStart;
        _dataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <inheritdoc />
    public string SourceName { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>The free-form <c>__metadata__</c> string map of the header (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file (header, dtypes, shapes, offsets within the file).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFormatException">The file is not a valid safetensors file.</exception>
    public static SafeTensorsFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        long fileLength = new FileInfo(path).Length;
        if (fileLength < 8) throw new WeightsFormatException(path, $"file is {fileLength} bytes, too short for a safetensors header");

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            acquired = true;
            basePtr += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePtr, 8));
            if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
                throw new WeightsFormatException(path, $"header length {headerLength} exceeds the file ({fileLength} bytes): truncated or not a safetensors file");
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(path, new ReadOnlySpan<byte>(basePtr + 8, (int)headerLength), fileLength - dataStart);
            return new SafeTensorsFile(path, map, view, basePtr, dataStart, fileLength - dataStart, tensors, metadata);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = this.GetInfo(name);
        return new ReadOnlySpan<byte>(_base + _dataStart + info.DataOffset, checked((int)info.ByteLength));
    }

    /// <summary>A float tensor read in place (F32 only; no copy). Valid until the file is disposed.</summary>
    public ReadOnlySpan<float> GetFloatSpan(string name)
    {
        var info = this.GetInfo(name);
        if (info.DType != TensorDType.F32)
            throw new WeightsFormatException(SourceName, $"tensor '{name}' has dtype {info.DType}, expected F32", name);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(GetBytes(name));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static (Dictionary<string, TensorInfo>, Dictionary<string, string>) ParseHeader(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new WeightsFormatException(path, "header is not valid JSON: not a safetensors file", inner: e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new WeightsFormatException(path, "header is not a JSON object");
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object)
                        throw new WeightsFormatException(path, $"__metadata__ is a JSON {entry.Value.ValueKind}, expected an object of strings");
                    foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                if (!tensors.TryAdd(entry.Name, ParseTensor(path, entry.Name, entry.Value, dataLength)))
                    throw new WeightsFormatException(path, $"tensor '{entry.Name}' is listed twice in the header", entry.Name);
            }
        }
        CheckNoOverlap(path, tensors.Values);
        return (tensors, metadata);
    }

    // Two tensors sharing bytes would alias each other's weights: a crafted or corrupt header.
    private static void CheckNoOverlap(string path, IEnumerable<TensorInfo> tensors)
    {
        TensorInfo? previous = null;
        foreach (var info in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataOffset))
        {
            if (previous is not null && info.DataOffset < previous.DataOffset + previous.ByteLength)
                throw new WeightsFormatException(path,
                    $"tensors '{previous.Name}' (bytes {previous.DataOffset}..{previous.DataOffset + previous.ByteLength}) and '{info.Name}' (bytes {info.DataOffset}..{info.DataOffset + info.ByteLength}) overlap",
                    info.Name);
            previous = info;
        }
    }

    private static TensorInfo ParseTensor(string path, string name, JsonElement e, long dataLength)
    {
        try
        {
            string dtypeName = e.GetProperty("dtype").GetString() ?? "";
            if (!TensorDTypeExtensions.TryParse(dtypeName, out var dtype))
                throw new WeightsFormatException(path, $"tensor '{name}' has unsupported dtype '{dtypeName}'", name);
            var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw new WeightsFormatException(path, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}] outside the data block of {dataLength} bytes (truncated file?)", name);
            var info = new TensorInfo(name, dtype, shape, offsets[0], offsets[1] - offsets[0]);
            if (shape.Any(d => d < 0) || checked(info.ElementCount * dtype.ByteSize()) != info.ByteLength)
                throw new WeightsFormatException(path, $"tensor '{name}' of shape {info.ShapeText} and dtype {dtype} does not match its {info.ByteLength} data bytes", name);
            return info;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new WeightsFormatException(path, $"tensor '{name}' has a malformed header entry", name, ex);
        }
    }
}
