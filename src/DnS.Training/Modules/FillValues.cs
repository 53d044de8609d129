using TorchSharp;

namespace DnS.Training.Modules;

/// <summary>
/// masked_fill values held as process-lifetime Scalars. A Scalar converted implicitly at the call can be finalized by
/// the GC while libtorch still reads it (TorchSharp 0.107 does not keep the argument alive across the native call):
/// under allocation pressure masked_fill failed with libtorch's "toFloat" check (a freed Scalar's tag), or could read
/// another value. Static fields stay reachable, so they are never finalized.
/// </summary>
internal static class FillValues
{
    /// <summary>0, the fill of padded cells.</summary>
    public static readonly Scalar Zero = 0.0;

    /// <summary>−∞, the fill of excluded attention keys and of padded cells before a max.</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity;
}
