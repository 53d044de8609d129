using System.Runtime.Intrinsics;

namespace DnS.Core.Kernels;

/// <summary>Which <see cref="SimdPath"/> values the running process can execute, as reported by the JIT
/// (so <c>DOTNET_EnableAVX512F=0</c> and friends are honored).</summary>
public static class SimdCapabilities
{
    /// <summary>The widest accelerated path; the default for every kernel.</summary>
    public static SimdPath Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>Whether <paramref name="path"/> is hardware accelerated here.</summary>
    /// <param name="path">The path to test.</param>
    /// <returns><see langword="true"/> for <see cref="SimdPath.Scalar"/> and every accelerated vector width.</returns>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Scalar => true,
        SimdPath.Vector128 => Vector128.IsHardwareAccelerated,
        SimdPath.Vector256 => Vector256.IsHardwareAccelerated,
        SimdPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };
}
