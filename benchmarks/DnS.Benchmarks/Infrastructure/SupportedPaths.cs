using DnS.Core.Kernels;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>The ISA paths this CPU can run, widest first: the [ParamsSource] of every per-ISA suite.</summary>
public static class SupportedPaths
{
    /// <summary>Vector512, Vector256, Vector128, Scalar — those <see cref="SimdCapabilities.IsSupported"/> accepts.</summary>
    public static IEnumerable<SimdPath> All =>
        new[] { SimdPath.Vector512, SimdPath.Vector256, SimdPath.Vector128, SimdPath.Scalar }.Where(SimdCapabilities.IsSupported);
}
