using System.Runtime.InteropServices;
using System.Text.Json;

namespace DnS.Core.Weights;

/// <summary>
/// Writes safetensors files. The file appears atomically: it is written to a temporary sibling, flushed to
/// disk, then renamed over the destination, so a crash never leaves a half-written weights file.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<(string Name, TensorDType DType, int[] Shape, byte[] Data)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds an F32 tensor (copied).</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<float> data, params int[] shape)
        => AddRaw(name, TensorDType.F32, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds an I64 tensor (copied).</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<long> data, params int[] shape)
        => AddRaw(name, TensorDType.I64, shape, MemoryMarshal.AsBytes(data));

    /// <summary>Adds a tensor given as raw little-endian bytes (copied).</summary>
    public SafeTensorsWriter AddRaw(string name, TensorDType dtype, int[] shape, ReadOnlySpan<byte> data)
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count * dtype.ByteSize() != data.Length)
            throw new ArgumentException($"tensor '{name}': shape {TensorInfo.FormatShape(shape)} of {dtype} needs {count * dtype.ByteSize()} bytes, got {data.Length}");
        if (name == "__metadata__" || _tensors.Exists(t => t.Name == name))
            throw new ArgumentException($"tensor name '{name}' is reserved or already added", nameof(name));
        _tensors.Add((name, dtype, (int[])shape.Clone(), data.ToArray()));
        return this;
    }

    /// <summary>Sets a <c>__metadata__</c> entry.</summary>
    public SafeTensorsWriter SetMetadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>Writes the file atomically (temporary file, flush, rename).</summary>
    public async Task WriteAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Path.GetFullPath(path);
        string temp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                byte[] header = BuildHeader();
                await stream.WriteAsync(BitConverter.GetBytes((ulong)header.Length), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                foreach (var t in _tensors) await stream.WriteAsync(t.Data, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private byte[] BuildHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in _metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in _tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        // Pad with spaces to 8 bytes so the data block (and every F32/I64 tensor in it) stays aligned.
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
