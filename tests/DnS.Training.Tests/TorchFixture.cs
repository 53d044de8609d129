using Xunit;
using DnS.Core.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Tests;

/// <summary>
/// Loads libtorch once per test run (its start-up is the slow part) and keeps the golden files open, so every
/// test class shares them through the <see cref="TorchCollection"/>.
/// </summary>
public sealed class TorchFixture : IDisposable
{
    private readonly Dictionary<string, SafeTensorsFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public TorchFixture()
    {
        // Before libtorch's first product: the test assembly may reach libtorch before DnS.Training is loaded.
        ReproducibleMath.Ensure();
        // Proves the native library loads here (on Debian 12 only with the TorchSharpCompat patch in the output folder).
        using (var ones = torch.ones(2))
        using (var sum = ones.sum())
        {
            float value = sum.item<float>();
            if (value != 2f) throw new InvalidOperationException($"libtorch self-check: torch.ones(2).sum() returned {value}");
        }
        torch.set_num_threads(1);
    }

    /// <summary>An open golden safetensors file (cached).</summary>
    public SafeTensorsFile Golden(string file)
    {
        lock (_gate)
        {
            if (!_files.TryGetValue(file, out var source)) _files[file] = source = SafeTensorsFile.Open(SharedData.Golden(file));
            return source;
        }
    }

    /// <summary>A golden tensor as a TorchSharp tensor of its stored shape.</summary>
    public Tensor Tensor(string file, string name)
    {
        var source = Golden(file);
        var info = source.GetInfo(name);
        return torch.tensor(source.ReadFloats(name), Array.ConvertAll(info.Shape, d => (long)d));
    }

    /// <summary>A golden tensor's values.</summary>
    public float[] Floats(string file, string name) => Golden(file).ReadFloats(name);

    public void Dispose()
    {
        foreach (var file in _files.Values) file.Dispose();
    }
}

/// <summary>
/// Every test that runs libtorch: one collection, so the tests run one at a time — libtorch's global random generator
/// (module initialization, dropout) would otherwise be drawn from by two tests at once and break exact-replay checks.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TorchCollection : ICollectionFixture<TorchFixture>, ICollectionFixture<SelfSupervised.AugmentedViewCorpus>
{
    public const string Name = "torch";
}
