namespace DnS.Core.Kernels;

/// <summary>Partial selection of the k best scores with a bounded min-heap kept in the caller's output spans:
/// O(N log k), no sort of the whole input, no allocation.</summary>
/// <remarks>Order: descending by value, ties broken by the lower index first. NaN ranks below every number
/// (including −∞), so NaN scores are only returned when fewer than k numbers exist.</remarks>
public static class TopK
{
    /// <summary>Selects the <c>indices.Length</c> best scores with the best SIMD path.</summary>
    /// <param name="scores">The scores to select from.</param>
    /// <param name="indices">Receives the positions of the best scores, best first; its length is k.</param>
    /// <param name="values">Receives the matching scores; at least k elements.</param>
    /// <returns>The number of entries written: <c>min(k, scores.Length)</c>.</returns>
    public static int Select(ReadOnlySpan<float> scores, Span<int> indices, Span<float> values) =>
        Select(scores, indices, values, SimdCapabilities.Best);

    /// <summary>Selects the <c>indices.Length</c> best scores with a forced SIMD path (used to skip whole vectors
    /// that cannot enter the heap).</summary>
    /// <param name="scores">The scores to select from.</param>
    /// <param name="indices">Receives the positions of the best scores, best first; its length is k.</param>
    /// <param name="values">Receives the matching scores; at least k elements.</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    /// <returns>The number of entries written: <c>min(k, scores.Length)</c>.</returns>
    public static int Select(ReadOnlySpan<float> scores, Span<int> indices, Span<float> values, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Destination(values.Length, indices.Length, nameof(values), new("k", indices.Length));
        int count = Math.Min(indices.Length, scores.Length);
        if (count == 0)
        {
            return 0;
        }

        Span<int> heapIndex = indices[..count];
        Span<float> heapValue = values[..count];
        for (int n = 0; n < count; n++)
        {
            heapIndex[n] = n;
            heapValue[n] = scores[n];
            SiftUp(heapIndex, heapValue, n);
        }

        int next = count;
        while (next < scores.Length)
        {
            float worst = heapValue[0];
            if (!float.IsNaN(worst))
            {
                // Once the heap is full almost nothing beats its root: skip whole vectors with one compare.
                next = path switch
                {
                    SimdPath.Vector512 => SkipNotAbove<Lanes512>(scores, next, worst),
                    SimdPath.Vector256 => SkipNotAbove<Lanes256>(scores, next, worst),
                    SimdPath.Vector128 => SkipNotAbove<Lanes128>(scores, next, worst),
                    _ => next,
                };
                if (next >= scores.Length)
                {
                    break;
                }
            }

            float value = scores[next];
            // Later indices lose ties, so only strictly better values (or any number over a NaN root) enter.
            if (value > worst || (float.IsNaN(worst) && !float.IsNaN(value)))
            {
                heapIndex[0] = next;
                heapValue[0] = value;
                SiftDown(heapIndex, heapValue, 0, count);
            }

            next++;
        }

        // Heap sort: moving the worst to the back leaves the best first.
        for (int end = count - 1; end > 0; end--)
        {
            (heapIndex[0], heapIndex[end]) = (heapIndex[end], heapIndex[0]);
            (heapValue[0], heapValue[end]) = (heapValue[end], heapValue[0]);
            SiftDown(heapIndex, heapValue, 0, end);
        }

        return count;
    }

    private static int SkipNotAbove<TLanes>(ReadOnlySpan<float> scores, int start, float threshold)
        where TLanes : struct, ISimdLanes
    {
        int n = start;
        int last = scores.Length - TLanes.Count;
        while (n <= last && !TLanes.AnyGreaterThan(scores.Slice(n, TLanes.Count), threshold))
        {
            n += TLanes.Count;
        }

        return n;
    }

    /// <summary>Whether (va, ia) ranks below (vb, ib): smaller value, NaN lowest, ties lose on the higher index.</summary>
    private static bool Worse(float va, int ia, float vb, int ib)
    {
        bool nanA = float.IsNaN(va);
        bool nanB = float.IsNaN(vb);
        if (nanA != nanB)
        {
            return nanA;
        }

        if (!nanA && va != vb)
        {
            return va < vb;
        }

        return ia > ib;
    }

    private static void SiftUp(Span<int> index, Span<float> value, int child)
    {
        while (child > 0)
        {
            int parent = (child - 1) >> 1;
            if (!Worse(value[child], index[child], value[parent], index[parent]))
            {
                return;
            }

            (index[child], index[parent]) = (index[parent], index[child]);
            (value[child], value[parent]) = (value[parent], value[child]);
            child = parent;
        }
    }

    private static void SiftDown(Span<int> index, Span<float> value, int parent, int count)
    {
        while (true)
        {
            int worst = parent;
            int left = (2 * parent) + 1;
            int right = left + 1;
            if (left < count && Worse(value[left], index[left], value[worst], index[worst]))
            {
                worst = left;
            }

            if (right < count && Worse(value[right], index[right], value[worst], index[worst]))
            {
                worst = right;
            }

            if (worst == parent)
            {
                return;
            }

            (index[worst], index[parent]) = (index[parent], index[worst]);
            (value[worst], value[parent]) = (value[parent], value[worst]);
            parent = worst;
        }
    }
}
