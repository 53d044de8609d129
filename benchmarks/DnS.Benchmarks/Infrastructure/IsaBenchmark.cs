using BenchmarkDotNet.Attributes;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>Base of the per-ISA suites: one case per <see cref="SimdPath"/> this CPU supports, widest first.</summary>
public abstract class IsaBenchmark
{
    /// <summary>ISA path under test.</summary>
    [ParamsSource(nameof(Paths))]
    public SimdPath Path { get; set; }

    /// <summary>Supported paths, widest first.</summary>
    public static IEnumerable<SimdPath> Paths => SupportedPaths.All;
}
