using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DnS.Core.Kernels;

/// <summary>Packs up to 2L source rows into the k-major panel <see cref="PanelMicroKernel"/> streams: for each k the
/// panel holds one value per column contiguously, so the micro-kernel loads whole vectors of columns.</summary>
internal static class PanelPacker
{
    /// <summary>Writes <c>panel[k·width + c] = source[rowStarts[c] + k]</c>, or 0 where <c>rowStarts[c] &lt; 0</c>.</summary>
    /// <param name="source">The rows to transpose from.</param>
    /// <param name="rowStarts">Per panel column, the start of its source row, or −1 for a zero (padding) column.</param>
    /// <param name="depth">Elements per row.</param>
    /// <param name="panel">Destination of depth × rowStarts.Length floats.</param>
    public static void Pack(ReadOnlySpan<float> source, ReadOnlySpan<int> rowStarts, int depth, Span<float> panel)
    {
        int width = rowStarts.Length;
        panel = panel[..(depth * width)];
        ref float destination = ref MemoryMarshal.GetReference(panel);
        for (int c = 0; c < width; c++)
        {
            int start = rowStarts[c];
            ref float column = ref Unsafe.Add(ref destination, c);
            if (start < 0)
            {
                for (int k = 0; k < depth; k++)
                {
                    Unsafe.Add(ref column, k * width) = 0f;
                }

                continue;
            }

            // The slice bounds-checks the whole row once, so the strided copy below can run unchecked.
            ref float row = ref MemoryMarshal.GetReference(source.Slice(start, depth));
            for (int k = 0; k < depth; k++)
            {
                Unsafe.Add(ref column, k * width) = Unsafe.Add(ref row, k);
            }
        }
    }
}
