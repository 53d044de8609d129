using System.Buffers;

namespace DnS.Core.Storage;

/// <summary>
/// Exposes a region of a memory-mapped segment as <see cref="Memory{T}"/> without copying it. Every access checks
/// that the segment is still mapped, so memory read after its release throws <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed unsafe class MappedMemory<T>(SegmentFile owner, byte* pointer, int length) : MemoryManager<T> where T : unmanaged
{
    public override Span<T> GetSpan()
    {
        owner.ThrowIfUnmapped();
        return new(pointer, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        owner.ThrowIfUnmapped();
        return new((T*)pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    // The mapping is owned by the segment; nothing to free here.
    protected override void Dispose(bool disposing)
    {
    }
}
