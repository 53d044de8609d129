using System.Runtime.CompilerServices;

namespace DnS.Core.Kernels;

/// <summary>The one register-blocked product kernel behind <see cref="Gemm"/> and <see cref="ChamferKernel"/>:
/// a <see cref="Rows"/> × (2 vectors) tile of dot products over the full depth, reading A rows in place and B from a
/// k-major packed panel (<see cref="PanelPacker"/>).</summary>
/// <remarks>6 rows × 2 vectors = 12 accumulators + 2 B loads + 1 broadcast = 15 registers, so it also fits the 16
/// registers of AVX2; with two FMA ports of 4-cycle latency, 12 independent chains keep both ports busy.</remarks>
internal static class PanelMicroKernel
{
    /// <summary>Rows of A per tile.</summary>
    public const int Rows = 6;

    /// <summary>A last block of at most this many rows runs the <see cref="ShortBlock"/> kernel.</summary>
    private const int ShortRows = 2;

    /// <summary>Which rows of the 6-row kernel a block computes; a constant per struct, so the JIT drops the other rows.</summary>
    private interface IBlockRows
    {
        /// <summary>All <see cref="Rows"/> rows (12 accumulators), or only the first two (4).</summary>
        static abstract bool Full { get; }
    }

    /// <summary>Six rows: 12 FMAs per k keep both FMA ports busy.</summary>
    private readonly struct FullBlock : IBlockRows
    {
        public static bool Full => true;
    }

    /// <summary>A last block of 1–2 rows: 4 accumulators, bound by the FMA latency (4 cycles per k instead of the 12
    /// FMAs of a full block), a third of its time. The Winograd comparator's 25-tile products (5 × 5 tiles at T = 40)
    /// end in such a block.</summary>
    private readonly struct ShortBlock : IBlockRows
    {
        public static bool Full => false;
    }

    /// <summary>Floats of panel per depth chunk: 16 KiB, a third of the 48 KiB L1 so A rows and the tile fit beside it.</summary>
    private const int L1PanelFloats = 4096;

    /// <summary>Computes the product of <paramref name="rows"/> A rows with a whole packed panel into
    /// <paramref name="product"/> (row g, half h at 2g + h; rows padded to a multiple of <see cref="Rows"/>).</summary>
    /// <remarks>The depth is cut into chunks whose panel slice stays in L1 (16 KiB) while every row block sweeps it:
    /// measured at D = 2048 the unblocked loop fell from 131 to 75 GFLOP/s once the panel spilled to L2.</remarks>
    /// <param name="a">First element of the first A row.</param>
    /// <param name="rowStride">Floats between consecutive A rows.</param>
    /// <param name="rows">Number of A rows.</param>
    /// <param name="panel">k-major packed panel of <paramref name="depth"/> × 2L floats.</param>
    /// <param name="depth">The reduction length.</param>
    /// <param name="product">At least <see cref="ProductLength"/>(rows) vectors.</param>
    public static void MultiplyPanel<TVector, TLanes>(ref float a, int rowStride, int rows, ref float panel, int depth, Span<TVector> product)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int width = 2 * TLanes.Count;
        int chunk = L1PanelFloats / width;
        if (depth == 0)
        {
            product[..ProductLength(rows)].Clear();
            return;
        }

        for (int k0 = 0; k0 < depth; k0 += chunk)
        {
            int length = Math.Min(chunk, depth - k0);
            ref float panelChunk = ref Unsafe.Add(ref panel, k0 * width);
            for (int g0 = 0; g0 < rows; g0 += Rows)
            {
                int valid = Math.Min(Rows, rows - g0);
                ref float rowStart = ref Unsafe.Add(ref a, (g0 * rowStride) + k0);
                var tile = product.Slice(2 * g0, 2 * Rows);
                if (valid <= ShortRows)
                {
                    Multiply<TVector, TLanes, ShortBlock>(ref rowStart, rowStride, valid, ref panelChunk, length, tile, accumulate: k0 > 0);
                }
                else
                {
                    Multiply<TVector, TLanes, FullBlock>(ref rowStart, rowStride, valid, ref panelChunk, length, tile, accumulate: k0 > 0);
                }
            }
        }
    }

    /// <summary>Vectors <see cref="MultiplyPanel"/> reserves for <paramref name="rows"/> A rows (the padding rows of the last
    /// block hold no defined values).</summary>
    public static int ProductLength(int rows) => 2 * Rows * ((rows + Rows - 1) / Rows);

    /// <summary>Computes <c>tile[2q + h] = Σ_k A[q,k] · panel[k·2L + h·L .. + L]</c> for q &lt; <see cref="Rows"/> (q &lt; 2 for
    /// a <see cref="ShortBlock"/>, which leaves tile vectors 4..11 untouched).</summary>
    /// <param name="a">First element of the first A row.</param>
    /// <param name="rowStride">Floats between consecutive A rows.</param>
    /// <param name="rows">Valid A rows (1..6, or 1..2 for a short block); the missing ones repeat the last row so the loop has no branches.</param>
    /// <param name="panel">k-major panel: for each k, 2L consecutive column values.</param>
    /// <param name="depth">The reduction length k.</param>
    /// <param name="tile">Receives 12 vectors, row-major (row q, half h at 2q + h).</param>
    /// <param name="accumulate">Add to the tile's current contents instead of overwriting them (depth blocking).</param>
    private static void Multiply<TVector, TLanes, TBlock>(ref float a, int rowStride, int rows, ref float panel, int depth, Span<TVector> tile, bool accumulate)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
        where TBlock : struct, IBlockRows
    {
        int width = 2 * TLanes.Count;
        ref float a0 = ref a;
        ref float a1 = ref Unsafe.Add(ref a, rowStride * Math.Min(1, rows - 1));
        ref float a2 = ref Unsafe.Add(ref a, rowStride * Math.Min(2, rows - 1));
        ref float a3 = ref Unsafe.Add(ref a, rowStride * Math.Min(3, rows - 1));
        ref float a4 = ref Unsafe.Add(ref a, rowStride * Math.Min(4, rows - 1));
        ref float a5 = ref Unsafe.Add(ref a, rowStride * Math.Min(5, rows - 1));
        ref float b = ref panel;

        TVector c00 = TLanes.Zero, c01 = TLanes.Zero, c10 = TLanes.Zero, c11 = TLanes.Zero;
        TVector c20 = TLanes.Zero, c21 = TLanes.Zero, c30 = TLanes.Zero, c31 = TLanes.Zero;
        TVector c40 = TLanes.Zero, c41 = TLanes.Zero, c50 = TLanes.Zero, c51 = TLanes.Zero;
        if (accumulate)
        {
            c00 = tile[0];
            c01 = tile[1];
            c10 = tile[2];
            c11 = tile[3];
            if (TBlock.Full)
            {
                c20 = tile[4];
                c21 = tile[5];
                c30 = tile[6];
                c31 = tile[7];
                c40 = tile[8];
                c41 = tile[9];
                c50 = tile[10];
                c51 = tile[11];
            }
        }

        for (int k = 0; k < depth; k++)
        {
            TVector b0 = TLanes.Load(ref b);
            TVector b1 = TLanes.Load(ref Unsafe.Add(ref b, TLanes.Count));
            TVector x = TLanes.Broadcast(Unsafe.Add(ref a0, k));
            c00 = TLanes.MultiplyAdd(x, b0, c00);
            c01 = TLanes.MultiplyAdd(x, b1, c01);
            x = TLanes.Broadcast(Unsafe.Add(ref a1, k));
            c10 = TLanes.MultiplyAdd(x, b0, c10);
            c11 = TLanes.MultiplyAdd(x, b1, c11);
            if (TBlock.Full)
            {
                x = TLanes.Broadcast(Unsafe.Add(ref a2, k));
                c20 = TLanes.MultiplyAdd(x, b0, c20);
                c21 = TLanes.MultiplyAdd(x, b1, c21);
                x = TLanes.Broadcast(Unsafe.Add(ref a3, k));
                c30 = TLanes.MultiplyAdd(x, b0, c30);
                c31 = TLanes.MultiplyAdd(x, b1, c31);
                x = TLanes.Broadcast(Unsafe.Add(ref a4, k));
                c40 = TLanes.MultiplyAdd(x, b0, c40);
                c41 = TLanes.MultiplyAdd(x, b1, c41);
                x = TLanes.Broadcast(Unsafe.Add(ref a5, k));
                c50 = TLanes.MultiplyAdd(x, b0, c50);
                c51 = TLanes.MultiplyAdd(x, b1, c51);
            }

            b = ref Unsafe.Add(ref b, width);
        }

        tile[0] = c00;
        tile[1] = c01;
        tile[2] = c10;
        tile[3] = c11;
        if (TBlock.Full)
        {
            tile[4] = c20;
            tile[5] = c21;
            tile[6] = c30;
            tile[7] = c31;
            tile[8] = c40;
            tile[9] = c41;
            tile[10] = c50;
            tile[11] = c51;
        }
    }
}
