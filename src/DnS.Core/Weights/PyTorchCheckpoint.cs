using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace DnS.Core.Weights;

/// <summary>
/// A PyTorch checkpoint written by <c>torch.save</c> — the zip format (PyTorch ≥ 1.6: <c>archive/data.pkl</c> plus
/// one file per storage) or the legacy format (magic number, protocol, system info, object pickle, storage keys,
/// then raw storages) — read as an <see cref="ITensorSource"/> without Python.
/// </summary>
/// <remarks>
/// <para>Safety: the pickle is interpreted as data, never executed. Only <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c>, the <c>torch.*Storage</c> types and <c>collections.OrderedDict</c> have a
/// meaning; any other global (for example <c>argparse.Namespace</c> in the DnS training checkpoints) becomes an inert
/// placeholder, so a malicious checkpoint cannot run code — at worst it fails to load.</para>
/// <para>The state dict is the <c>'model'</c> entry (how the DnS training code saves checkpoints), else
/// <c>'state_dict'</c>, else the top-level dict itself (as in ViSiL's <c>visil.pth</c>). Tensors with storage offsets
/// are sliced in place; non-contiguous tensors are copied into contiguous row-major order.
/// <see cref="TensorInfo.DataOffset"/> is the byte offset inside the tensor's storage.</para>
/// </remarks>
public sealed class PyTorchCheckpoint : ITensorSource
{
    // torch.serialization's MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format.
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");
    private const long LegacyProtocol = 1001;

    private readonly Dictionary<string, TensorInfo> _infos;
    private readonly Dictionary<string, (byte[] Buffer, int Offset)> _data;
    private bool _disposed;

    private PyTorchCheckpoint(string path, string? stateDictKey, Dictionary<string, TensorInfo> infos, Dictionary<string, (byte[], int)> data)
    {
        SourceName = path;
        StateDictKey = stateDictKey;
        _infos = infos;
        _data = data;
    }

    /// <inheritdoc />
    public string SourceName { get; }

    /// <summary>The top-level key the state dict was taken from (<c>model</c> or <c>state_dict</c>), or null when the file is the state dict.</summary>
    public string? StateDictKey { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _infos;

    /// <summary>Opens a <c>.pth</c>/<c>.pt</c> checkpoint (zip or legacy format) and reads its state dict into memory.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFormatException">The file is not a PyTorch checkpoint, is truncated, big-endian, or holds no state dict.</exception>
    public static PyTorchCheckpoint Open(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        Span<byte> head = stackalloc byte[4];
        using (var probe = File.OpenRead(path))
        {
            if (probe.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4)
                throw new WeightsFormatException(path, "file is too short to be a PyTorch checkpoint");
        }
        try
        {
            return head[0] == (byte)'P' && head[1] == (byte)'K' ? OpenZip(path) : OpenLegacy(path);
        }
        catch (InvalidDataException e)
        {
            throw new WeightsFormatException(path, "corrupt zip archive (truncated checkpoint?)", inner: e);
        }
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = this.GetInfo(name);
        var (buffer, offset) = _data[name];
        return buffer.AsSpan(offset, checked((int)info.ByteLength));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _data.Clear();
    }

    private static PyTorchCheckpoint OpenZip(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var pickle = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)
                                                     && e.FullName.Count(c => c == '/') == 1)
                     ?? throw new WeightsFormatException(path, "zip archive has no <archive>/data.pkl: not a PyTorch checkpoint");
        string prefix = pickle.FullName[..^"data.pkl".Length];
        var byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder != null && ReadEntry(path, byteOrder) is var order && System.Text.Encoding.ASCII.GetString(order) != "little")
            throw new WeightsFormatException(path, "big-endian checkpoints are not supported");

        var (value, _, _) = PickleReader.Read(path, ReadEntry(path, pickle));
        var (key, refs) = SelectStateDict(path, value);
        var storages = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        foreach (var r in refs.Values)
        {
            if (storages.ContainsKey(r.Storage.Key)) continue;
            var entry = zip.GetEntry(prefix + "data/" + r.Storage.Key)
                        ?? throw new WeightsFormatException(path, $"storage '{r.Storage.Key}' is missing from the archive (data/{r.Storage.Key})");
            storages[r.Storage.Key] = (ReadEntry(path, entry), 0);
        }
        return Build(path, key, refs, storages);
    }

    private static PyTorchCheckpoint OpenLegacy(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file[0] != 0x80) throw new WeightsFormatException(path, "neither a zip archive nor a pickle: not a PyTorch checkpoint");
        var (magic, pos, _) = PickleReader.Read(path, file);
        if (!IsInteger(magic, LegacyMagic)) throw new WeightsFormatException(path, "pickle without PyTorch's magic number: not a torch.save checkpoint");
        (var protocol, pos, _) = PickleReader.Read(path, file, pos);
        if (!IsInteger(protocol, LegacyProtocol)) throw new WeightsFormatException(path, $"unsupported legacy protocol version {protocol}");
        (var sysInfo, pos, _) = PickleReader.Read(path, file, pos);
        if (sysInfo is Dictionary<object, object?> info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new WeightsFormatException(path, "big-endian checkpoints are not supported");
        (var value, pos, var dtypes) = PickleReader.Read(path, file, pos);
        (var keys, pos, _) = PickleReader.Read(path, file, pos);
        if (keys is not List<object?> keyList) throw new WeightsFormatException(path, "legacy checkpoint without a storage key list");

        // Raw storages follow in key-list order, each an 8-byte element count then the elements.
        var storages = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        foreach (var k in keyList)
        {
            string key = k?.ToString() ?? "";
            if (!dtypes.TryGetValue(key, out var dtype))
                throw new WeightsFormatException(path, $"storage '{key}' is listed but never referenced");
            if (pos + 8 > file.Length) throw new WeightsFormatException(path, $"storage '{key}' is truncated");
            long count = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(pos, 8));
            if (count < 0 || count > (file.Length - pos - 8L) / dtype.ByteSize())
                throw new WeightsFormatException(path, $"storage '{key}' of {count} elements runs past the end of the file (truncated checkpoint?)");
            long bytes = count * dtype.ByteSize();
            storages[key] = (file, pos + 8);
            pos += 8 + (int)bytes;
        }
        var (stateKey, refs) = SelectStateDict(path, value);
        return Build(path, stateKey, refs, storages);
    }

    private static bool IsInteger(object? value, BigInteger expected) => value switch
    {
        long l => l == expected,
        BigInteger b => b == expected,
        _ => false,
    };

    private static byte[] ReadEntry(string path, ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength) throw new WeightsFormatException(path, $"archive entry {entry.FullName} is larger than 2 GB");
        // Deflate expands at most ~1032:1 (torch.save stores entries uncompressed): a larger claimed size is a crafted
        // entry that would make us allocate far more than the file holds.
        if (entry.Length > entry.CompressedLength * 1032 + 1024)
            throw new WeightsFormatException(path, $"archive entry {entry.FullName} claims {entry.Length} bytes from {entry.CompressedLength} compressed bytes: crafted or corrupt archive");
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new WeightsFormatException(path, $"archive entry {entry.FullName} holds fewer bytes than its header claims ({entry.Length}): truncated or corrupt archive", inner: e);
        }
        return bytes;
    }

    private static (string? Key, Dictionary<string, PickleReader.TensorRef> Tensors) SelectStateDict(string path, object? root)
    {
        if (root is not Dictionary<object, object?> top)
            throw new WeightsFormatException(path, "the checkpoint's top-level object is not a dict");
        foreach (string candidate in (string[])["model", "state_dict"])
        {
            if (top.TryGetValue(candidate, out var inner) && inner is Dictionary<object, object?> dict && TensorsOf(dict) is { Count: > 0 } found)
                return (candidate, found);
        }
        var direct = TensorsOf(top);
        if (direct.Count == 0)
            throw new WeightsFormatException(path, "no state dict found: neither a 'model'/'state_dict' entry nor top-level tensors");
        return (null, direct);
    }

    private static Dictionary<string, PickleReader.TensorRef> TensorsOf(Dictionary<object, object?> dict)
    {
        var tensors = new Dictionary<string, PickleReader.TensorRef>(StringComparer.Ordinal);
        foreach (var (k, v) in dict)
            if (k is string name && v is PickleReader.TensorRef t) tensors[name] = t;
        return tensors;
    }

    private static PyTorchCheckpoint Build(string path, string? key, Dictionary<string, PickleReader.TensorRef> refs,
        Dictionary<string, (byte[] Buffer, int Offset)> storages)
    {
        var infos = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var data = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        foreach (var (name, t) in refs)
        {
            var (buffer, start) = storages.TryGetValue(t.Storage.Key, out var s)
                ? s : throw new WeightsFormatException(path, $"tensor '{name}' refers to missing storage '{t.Storage.Key}'", name);
            int elem = t.Storage.DType.ByteSize();
            long storageBytes = buffer.Length - start;
            // Sizes, strides and offsets are non-negative (the pickle reader checks); a crafted file can still make
            // their products overflow, which is as wrong as running past the storage.
            long count, reach, first;
            try
            {
                (count, reach) = Extent(t.Shape, t.Strides);
                first = checked(t.Storage.ViewOffset + t.StorageOffset);
                _ = checked((first + reach + 1) * elem);
            }
            catch (OverflowException e)
            {
                throw new WeightsFormatException(path, $"tensor '{name}' of shape {TensorInfo.FormatShape(t.Shape)} has sizes, strides or offsets that overflow", name, e);
            }
            if (count > 0 && (t.StorageOffset + reach >= t.Storage.ElementCount || (first + reach + 1) * elem > storageBytes))
                throw new WeightsFormatException(path,
                    $"tensor '{name}' of shape {TensorInfo.FormatShape(t.Shape)} at offset {t.StorageOffset} exceeds its storage '{t.Storage.Key}' of {t.Storage.ElementCount} elements", name);
            long byteLength = count * elem;
            if (IsContiguous(t.Shape, t.Strides))
            {
                data[name] = (buffer, checked((int)(start + first * elem)));
                infos[name] = new TensorInfo(name, t.Storage.DType, t.Shape, first * elem, byteLength);
            }
            else
            {
                data[name] = (Materialize(buffer.AsSpan(checked((int)(start + first * elem))), t.Shape, t.Strides, elem, byteLength), 0);
                infos[name] = new TensorInfo(name, t.Storage.DType, t.Shape, 0, byteLength);
            }
        }
        return new PyTorchCheckpoint(path, key, infos, data);
    }

    // Element count and the offset of the last element (in elements) of a strided view.
    private static (long Count, long Reach) Extent(int[] shape, long[] strides)
    {
        long count = 1, reach = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            count = checked(count * shape[d]);
            if (shape[d] > 0) reach = checked(reach + (shape[d] - 1) * strides[d]);
        }
        return (count, reach);
    }

    private static bool IsContiguous(int[] shape, long[] strides)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            // Strides of size-1 dimensions are arbitrary in PyTorch and never used.
            if (shape[d] != 1 && strides[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    // Copies a strided view into row-major order (odometer over the multi-index).
    private static byte[] Materialize(ReadOnlySpan<byte> source, int[] shape, long[] strides, int elem, long byteLength)
    {
        var result = new byte[byteLength];
        if (byteLength == 0) return result;
        var index = new int[shape.Length];
        long offset = 0;
        for (long i = 0; i < byteLength / elem; i++)
        {
            source.Slice(checked((int)(offset * elem)), elem).CopyTo(result.AsSpan(checked((int)(i * elem)), elem));
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d]) { offset += strides[d]; break; }
                offset -= (long)(shape[d] - 1) * strides[d];
                index[d] = 0;
            }
        }
        return result;
    }
}
