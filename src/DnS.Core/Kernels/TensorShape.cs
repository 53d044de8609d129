namespace DnS.Core.Kernels;

/// <summary>A shape for error messages, kept as numbers so valid calls never format a string (kernels must not
/// allocate). <c>Leading</c> names a free dimension such as "T" or "N".</summary>
internal readonly record struct TensorShape(string? Leading, int First, int Second = -1)
{
    public static TensorShape Of(int first, int second) => new(null, first, second);

    public override string ToString()
    {
        string tail = Second < 0 ? $"{First}" : $"{First}×{Second}";
        return Leading is null ? tail : $"{Leading}×{tail}";
    }
}
