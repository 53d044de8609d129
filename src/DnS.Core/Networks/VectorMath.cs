using System.Numerics.Tensors;

namespace DnS.Core.Networks;

/// <summary>Small shared operations with PyTorch's exact conventions.</summary>
internal static class VectorMath
{
    /// <summary><c>F.normalize</c>: v / max(‖v‖₂, 1e-12), in place.</summary>
    public static void L2Normalize(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        TensorPrimitives.Divide(v, MathF.Max(norm, 1e-12f), v);
    }

    /// <summary>Number of rows of <paramref name="rowLength"/> floats, or an <see cref="ArgumentException"/> naming the expected layout.</summary>
    public static int Rows(int length, int rowLength, string parameter, string layout)
    {
        if (rowLength <= 0 || length % rowLength != 0)
            throw new ArgumentException($"{parameter} has {length} floats, not a whole number of {layout} rows of {rowLength}", parameter);
        return length / rowLength;
    }
}
