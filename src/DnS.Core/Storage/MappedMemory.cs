using System.Buffers;

namespace DnS.Core.Storage;

/// <summary>Exposes a region of a memory-mapped file as <see cref="Memory{T}"/> without copying it.</summary>
internal sealed unsafe class MappedMemory<T>(byte* pointer, int length) : MemoryManager<T> where T : unmanaged
{
    public override Span<T> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((T*)pointer + elementIndex);

    public override void Unpin()
    {
    }

    // The mapping is owned by the segment; nothing to free here.
    protected override void Dispose(bool disposing)
    {
    }
}
