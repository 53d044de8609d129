using System.Runtime.InteropServices;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>
/// 64-byte aligned native memory (one cache line / one Vector512) so no contender pays for split loads,
/// and the GC never moves or scans the 400 MB coarse matrix.
/// </summary>
public sealed unsafe class AlignedBuffer<T> : IDisposable
    where T : unmanaged
{
    private T* pointer;

    /// <summary>Allocates a copy of <paramref name="source"/>.</summary>
    public AlignedBuffer(ReadOnlySpan<T> source)
        : this(source.Length) => source.CopyTo(Span);

    /// <summary>Allocates <paramref name="length"/> zeroed elements.</summary>
    public AlignedBuffer(int length)
    {
        Length = length;
        pointer = (T*)NativeMemory.AlignedAlloc((nuint)length * (nuint)sizeof(T), 64);
        Span.Clear();
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>The whole buffer.</summary>
    public Span<T> Span => new(pointer, Length);

    /// <summary>Elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public Span<T> Slice(int start, int length) => Span.Slice(start, length);

    /// <inheritdoc/>
    public void Dispose()
    {
        NativeMemory.AlignedFree(pointer);
        pointer = null;
    }
}
