using System.Numerics.Tensors;

namespace DnS.Core.Features;

/// <summary>PyTorch's <c>F.normalize</c>: v / max(‖v‖₂, 1e-12), shared by pooling and whitening.</summary>
internal static class L2Normalization
{
    /// <summary>The ε below which a norm is clamped, so a zero vector stays zero instead of NaN.</summary>
    public const float Epsilon = 1e-12f;

    /// <summary>v ← v / max(‖v‖₂, ε) in place.</summary>
    public static void Normalize(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        TensorPrimitives.Divide(v, MathF.Max(norm, Epsilon), v);
    }
}
