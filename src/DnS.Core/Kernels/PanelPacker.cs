using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary>Packs up to 2L source rows into the k-major panel <see cref="PanelMicroKernel"/> streams: for each k the
/// panel holds one value per column contiguously, so the micro-kernel loads whole vectors of columns.</summary>
/// <remarks>Packing is a transpose. Copying column by column with strided stores measured 3.4 cycles per element
/// (each store lands on a different line of a panel larger than L1), which was ~20% of a 40×9×512 chamfer pair;
/// register transposes write whole runs: 1.0 cycle per element with 4×4 SSE, 0.66 with 8×8 AVX.</remarks>
internal static class PanelPacker
{
    /// <summary>Writes <c>panel[k·width + c] = source[rowStarts[c] + k]</c>, or 0 where <c>rowStarts[c] &lt; 0</c>.</summary>
    /// <param name="source">The rows to transpose from.</param>
    /// <param name="rowStarts">Per panel column, the start of its source row, or −1 for a zero (padding) column;
    /// the count is a multiple of 4.</param>
    /// <param name="depth">Elements per row.</param>
    /// <param name="panel">Destination of depth × rowStarts.Length floats.</param>
    public static void Pack(ReadOnlySpan<float> source, ReadOnlySpan<int> rowStarts, int depth, Span<float> panel)
    {
        int width = rowStarts.Length;
        panel = panel[..(depth * width)];
        ref float destination = ref MemoryMarshal.GetReference(panel);
        int c = 0;
        if (Avx.IsSupported)
        {
            // 8×8 register transposes: 24 shuffles per 64 floats, about twice the 4×4 throughput.
            for (; c + 8 <= width; c += 8)
            {
                ReadOnlySpan<int> starts = rowStarts.Slice(c, 8);
                if (!AllValid(starts))
                {
                    break;
                }

                Transpose8(source, starts, depth, ref Unsafe.Add(ref destination, c), width);
            }
        }

        for (; c < width; c += 4)
        {
            int s0 = rowStarts[c], s1 = rowStarts[c + 1], s2 = rowStarts[c + 2], s3 = rowStarts[c + 3];
            if (Sse.IsSupported && (s0 | s1 | s2 | s3) >= 0)
            {
                // The slices bounds-check each whole row once, so the transposing loop can run unchecked.
                Transpose4(
                    ref MemoryMarshal.GetReference(source.Slice(s0, depth)),
                    ref MemoryMarshal.GetReference(source.Slice(s1, depth)),
                    ref MemoryMarshal.GetReference(source.Slice(s2, depth)),
                    ref MemoryMarshal.GetReference(source.Slice(s3, depth)),
                    depth,
                    ref Unsafe.Add(ref destination, c),
                    width);
                continue;
            }

            for (int column = c; column < c + 4; column++)
            {
                CopyColumn(source, rowStarts[column], depth, ref Unsafe.Add(ref destination, column), width);
            }
        }
    }

    private static bool AllValid(ReadOnlySpan<int> starts)
    {
        foreach (int start in starts)
        {
            if (start < 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void Transpose8(ReadOnlySpan<float> source, ReadOnlySpan<int> starts, int depth, ref float destination, int width)
    {
        ref float r0 = ref MemoryMarshal.GetReference(source.Slice(starts[0], depth));
        ref float r1 = ref MemoryMarshal.GetReference(source.Slice(starts[1], depth));
        ref float r2 = ref MemoryMarshal.GetReference(source.Slice(starts[2], depth));
        ref float r3 = ref MemoryMarshal.GetReference(source.Slice(starts[3], depth));
        ref float r4 = ref MemoryMarshal.GetReference(source.Slice(starts[4], depth));
        ref float r5 = ref MemoryMarshal.GetReference(source.Slice(starts[5], depth));
        ref float r6 = ref MemoryMarshal.GetReference(source.Slice(starts[6], depth));
        ref float r7 = ref MemoryMarshal.GetReference(source.Slice(starts[7], depth));
        int body = depth & ~7;
        for (int k = 0; k < body; k += 8)
        {
            Vector256<float> t0 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r0, (nuint)k), Vector256.LoadUnsafe(ref r1, (nuint)k));
            Vector256<float> t1 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r0, (nuint)k), Vector256.LoadUnsafe(ref r1, (nuint)k));
            Vector256<float> t2 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r2, (nuint)k), Vector256.LoadUnsafe(ref r3, (nuint)k));
            Vector256<float> t3 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r2, (nuint)k), Vector256.LoadUnsafe(ref r3, (nuint)k));
            Vector256<float> t4 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r4, (nuint)k), Vector256.LoadUnsafe(ref r5, (nuint)k));
            Vector256<float> t5 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r4, (nuint)k), Vector256.LoadUnsafe(ref r5, (nuint)k));
            Vector256<float> t6 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r6, (nuint)k), Vector256.LoadUnsafe(ref r7, (nuint)k));
            Vector256<float> t7 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r6, (nuint)k), Vector256.LoadUnsafe(ref r7, (nuint)k));
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44);
            Vector256<float> u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44);
            Vector256<float> u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44);
            Vector256<float> u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44);
            Vector256<float> u7 = Avx.Shuffle(t5, t7, 0xEE);
            ref float row = ref Unsafe.Add(ref destination, k * width);
            Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref row);
            Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref row, width));
            Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref row, 2 * width));
            Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref row, 3 * width));
            Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref row, 4 * width));
            Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref row, 5 * width));
            Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref row, 6 * width));
            Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref row, 7 * width));
        }

        for (int k = body; k < depth; k++)
        {
            ref float row = ref Unsafe.Add(ref destination, k * width);
            row = Unsafe.Add(ref r0, k);
            Unsafe.Add(ref row, 1) = Unsafe.Add(ref r1, k);
            Unsafe.Add(ref row, 2) = Unsafe.Add(ref r2, k);
            Unsafe.Add(ref row, 3) = Unsafe.Add(ref r3, k);
            Unsafe.Add(ref row, 4) = Unsafe.Add(ref r4, k);
            Unsafe.Add(ref row, 5) = Unsafe.Add(ref r5, k);
            Unsafe.Add(ref row, 6) = Unsafe.Add(ref r6, k);
            Unsafe.Add(ref row, 7) = Unsafe.Add(ref r7, k);
        }
    }

    private static void Transpose4(ref float r0, ref float r1, ref float r2, ref float r3, int depth, ref float destination, int width)
    {
        int body = depth & ~3;
        for (int k = 0; k < body; k += 4)
        {
            Vector128<float> a = Vector128.LoadUnsafe(ref r0, (nuint)k);
            Vector128<float> b = Vector128.LoadUnsafe(ref r1, (nuint)k);
            Vector128<float> c = Vector128.LoadUnsafe(ref r2, (nuint)k);
            Vector128<float> d = Vector128.LoadUnsafe(ref r3, (nuint)k);
            Vector128<float> ab0 = Sse.UnpackLow(a, b);
            Vector128<float> ab1 = Sse.UnpackHigh(a, b);
            Vector128<float> cd0 = Sse.UnpackLow(c, d);
            Vector128<float> cd1 = Sse.UnpackHigh(c, d);
            ref float row = ref Unsafe.Add(ref destination, k * width);
            Sse.MoveLowToHigh(ab0, cd0).StoreUnsafe(ref row);
            Sse.MoveHighToLow(cd0, ab0).StoreUnsafe(ref Unsafe.Add(ref row, width));
            Sse.MoveLowToHigh(ab1, cd1).StoreUnsafe(ref Unsafe.Add(ref row, 2 * width));
            Sse.MoveHighToLow(cd1, ab1).StoreUnsafe(ref Unsafe.Add(ref row, 3 * width));
        }

        for (int k = body; k < depth; k++)
        {
            ref float row = ref Unsafe.Add(ref destination, k * width);
            row = Unsafe.Add(ref r0, k);
            Unsafe.Add(ref row, 1) = Unsafe.Add(ref r1, k);
            Unsafe.Add(ref row, 2) = Unsafe.Add(ref r2, k);
            Unsafe.Add(ref row, 3) = Unsafe.Add(ref r3, k);
        }
    }

    private static void CopyColumn(ReadOnlySpan<float> source, int start, int depth, ref float column, int width)
    {
        if (start < 0)
        {
            for (int k = 0; k < depth; k++)
            {
                Unsafe.Add(ref column, k * width) = 0f;
            }

            return;
        }

        ref float row = ref MemoryMarshal.GetReference(source.Slice(start, depth));
        for (int k = 0; k < depth; k++)
        {
            Unsafe.Add(ref column, k * width) = Unsafe.Add(ref row, k);
        }
    }
}
