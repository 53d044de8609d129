using DnS.Core.Weights;

namespace DnS.Core.Tests.Networks;

/// <summary>A view of another tensor source keeping only some keys (to build variants from golden files).</summary>
internal sealed class FilteredSource(ITensorSource inner, Func<string, bool> keep) : ITensorSource
{
    private readonly Dictionary<string, TensorInfo> _tensors = inner.Tensors.Where(t => keep(t.Key)).ToDictionary(t => t.Key, t => t.Value);

    public string SourceName => inner.SourceName;

    public IReadOnlyDictionary<string, TensorInfo> Tensors => _tensors;

    public ReadOnlySpan<byte> GetBytes(string name) => _tensors.ContainsKey(name) ? inner.GetBytes(name) : throw new WeightsFormatException(SourceName, $"missing tensor '{name}'", name);

    public void Dispose() { }
}
