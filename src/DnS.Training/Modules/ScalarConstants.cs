using TorchSharp;

namespace DnS.Training.Modules;

/// <summary>
/// Arithmetic constants of the forward passes held as process-lifetime Scalars, for the reason given on
/// <see cref="FillValues"/>: an implicitly converted Scalar can be finalized while libtorch reads it (the study's coarse
/// training failed with "Unknown scalar type" in SelfAttentionModule's div).
/// </summary>
internal static class ScalarConstants
{
    /// <summary>0.5.</summary>
    public static readonly Scalar Half = 0.5;

    /// <summary>1.</summary>
    public static readonly Scalar One = 1.0;

    /// <summary>−1.</summary>
    public static readonly Scalar MinusOne = -1.0;

    /// <summary>2.</summary>
    public static readonly Scalar Two = 2.0;
}
