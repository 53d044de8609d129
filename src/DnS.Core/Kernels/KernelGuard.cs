using System.Diagnostics.CodeAnalysis;

namespace DnS.Core.Kernels;

/// <summary>Argument checks shared by the kernels; throwing lives in separate methods so the hot callers stay small.</summary>
internal static class KernelGuard
{
    public static void Path(SimdPath path)
    {
        if (!SimdCapabilities.IsSupported(path))
        {
            ThrowUnsupported(path);
        }
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            ThrowNotPositive(value, name);
        }
    }

    /// <summary>Number of rows of <paramref name="rowLength"/> elements in a span, or throws if it does not divide.</summary>
    public static int Rows(int length, int rowLength, string tensor, TensorShape shape)
    {
        int rows = length / rowLength;
        if (rows * rowLength != length)
        {
            ThrowNotDivisible(length, rowLength, tensor, shape);
        }

        return rows;
    }

    public static void Exact(int length, long expected, string tensor, TensorShape shape)
    {
        if (length != expected)
        {
            ThrowLength(length, expected, tensor, shape);
        }
    }

    public static void Destination(int length, long required, string tensor, TensorShape shape)
    {
        if (length < required)
        {
            ThrowDestination(length, required, tensor, shape);
        }
    }

    [DoesNotReturn]
    private static void ThrowUnsupported(SimdPath path) =>
        throw new PlatformNotSupportedException($"SIMD path {path} is not hardware accelerated in this process (best is {SimdCapabilities.Best}).");

    [DoesNotReturn]
    private static void ThrowNotPositive(int value, string name) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");

    [DoesNotReturn]
    private static void ThrowNotDivisible(int length, int rowLength, string tensor, TensorShape shape) =>
        throw new ArgumentException($"{tensor} has {length} elements, which is not a whole number of {shape} rows of {rowLength} elements.", tensor);

    [DoesNotReturn]
    private static void ThrowLength(int length, long expected, string tensor, TensorShape shape) =>
        throw new ArgumentException($"{tensor} has {length} elements but shape {shape} needs {expected}.", tensor);

    [DoesNotReturn]
    private static void ThrowDestination(int length, long required, string tensor, TensorShape shape) =>
        throw new ArgumentException($"Destination {tensor} has {length} elements but shape {shape} needs at least {required}.", tensor);
}
