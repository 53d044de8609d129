namespace DnS.Core.Weights;

/// <summary>
/// A read-only set of named tensors (a state dict): a safetensors file, a PyTorch checkpoint, or tensors in memory.
/// Networks load their weights through this seam, so every format gives identical results.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>Where the tensors come from (a file path), used in error messages.</summary>
    string SourceName { get; }

    /// <summary>Every tensor, by state-dict key.</summary>
    IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>The raw little-endian bytes of a tensor (valid until the source is disposed).</summary>
    /// <exception cref="WeightsFormatException">The tensor is missing.</exception>
    ReadOnlySpan<byte> GetBytes(string name);
}
