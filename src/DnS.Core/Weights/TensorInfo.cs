namespace DnS.Core.Weights;

/// <summary>Name, type, shape and location of one tensor in a weights file.</summary>
/// <param name="Name">The state-dict key, e.g. <c>attention.transform.weight</c>.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first (PyTorch row-major layout); empty for a scalar.</param>
/// <param name="DataOffset">Byte offset of the first element from the start of the data block.</param>
/// <param name="ByteLength">Bytes of data.</param>
public sealed record TensorInfo(string Name, TensorDType DType, int[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    /// <exception cref="OverflowException">The shape's product does not fit in 64 bits (a crafted header).</exception>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape) n = checked(n * d);
            return n;
        }
    }

    /// <summary>The shape as PyTorch prints it, e.g. <c>[512, 512]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    internal static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
