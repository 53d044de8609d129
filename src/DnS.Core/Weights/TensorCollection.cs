using System.Runtime.InteropServices;

namespace DnS.Core.Weights;

/// <summary>Named F32 tensors held in memory: weights built in code (the built-in models, exports) behind <see cref="ITensorSource"/>.</summary>
public sealed class TensorCollection : ITensorSource
{
    private readonly Dictionary<string, TensorInfo> _infos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _data = new(StringComparer.Ordinal);

    /// <summary>Creates an empty collection.</summary>
    /// <param name="sourceName">Used in error messages.</param>
    public TensorCollection(string sourceName = "in-memory tensors") => SourceName = sourceName;

    /// <inheritdoc />
    public string SourceName { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _infos;

    /// <summary>Adds (or replaces) a tensor; the data is not copied.</summary>
    /// <exception cref="ArgumentException">The shape does not match the data length.</exception>
    public TensorCollection Add(string name, float[] data, params int[] shape)
    {
        var info = new TensorInfo(name, TensorDType.F32, (int[])shape.Clone(), 0, (long)data.Length * sizeof(float));
        if (info.ElementCount != data.Length)
            throw new ArgumentException($"tensor '{name}': shape {info.ShapeText} needs {info.ElementCount} values, got {data.Length}");
        _infos[name] = info;
        _data[name] = data;
        return this;
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetBytes(string name) => MemoryMarshal.AsBytes(_data.TryGetValue(name, out var data)
        ? data.AsSpan()
        : throw new WeightsFormatException(SourceName, $"missing tensor '{name}'", name));

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
