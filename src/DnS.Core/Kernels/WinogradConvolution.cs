using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DnS.Core.Kernels;

/// <summary>
/// A 3×3 convolution (stride 1, padding 1, zero or edge-replicating) on channels-last activations by Winograd's
/// minimal filtering (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). With F(2×2, 3×3)
/// each 2×2 output tile is <c>Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A</c> of its 4×4 input patch d, so the channel sums become 16
/// independent tiles×in · in×out matrix products (<see cref="Gemm"/>) with 16 multiplies per tile and channel pair
/// instead of the direct convolution's 36: 2.25× less arithmetic. F(4×4, 3×3) (pooled layers with several input
/// channels only) takes 6×6 patches to 4×4 tiles: 36 products of a quarter as many tiles, 4× less arithmetic than
/// direct. The epilogues fuse what follows a comparator layer: a 2×2/2 max-pool (an output tile is exactly one or
/// four pooling windows) + bias + ReLU, or bias + ReLU + the 1×1 projection to one channel. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Rounding: F(2×2)'s input and output transforms add and subtract (Bᵀ, Aᵀ have entries 0 and ±1); F(4×4)'s also
/// scale by 2, 4, 5 and 8 (exact) before adding, so its sums around each product have larger terms. The filter
/// transforms (entries ½, or ¼, ⅙, 1/12, 1/24) are computed in double once; docs/kernels.md states the measured bounds.
/// </remarks>
internal sealed class WinogradConvolution
{
    /// <summary>Transformed input + products per band, in floats (2 MiB): large enough for long GEMM rows, small
    /// enough to stay in L2 beside the filters.</summary>
    private const int BandFloats = 1 << 19;

    // U[ξ][o][i] = (G g Gᵀ)[ξ] for filter g of output o, input i: the B operand of V_ξ · U_ξᵀ.
    private readonly float[] _filters;
    private readonly float[] _bias;

    // The transformed tile's side (4 for F(2×2), 6 for F(4×4)) and its positions, one matrix product each.
    private readonly int _side, _positions;

    // Per vector path (Vector128/256/512), U packed once into the micro-kernel's k-major panels of 2L output channels.
    private readonly float[]?[] _panels = new float[3][];

    /// <summary>Transforms PyTorch filters once.</summary>
    /// <param name="weight">[out, in, 3, 3] filters.</param>
    /// <param name="bias">[out] bias.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="tile">Output tile side: 2 (F(2×2, 3×3)), or 4 (F(4×4, 3×3): only <see cref="ConvolvePool"/>, and only
    /// with more than one input channel).</param>
    public WinogradConvolution(float[] weight, float[] bias, int outChannels, int inChannels, int tile = 2)
    {
        if (tile != 2 && (tile != 4 || inChannels == 1))
            throw new ArgumentOutOfRangeException(nameof(tile), tile, "Winograd tiles are 2×2, or 4×4 with more than one input channel");
        (OutChannels, InChannels, _bias, Tile) = (outChannels, inChannels, bias, tile);
        _side = tile + 2;
        _positions = _side * _side;
        double[,] g = tile == 2
            ? new double[,] { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } }
            : new double[,]
            {
                { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
                { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
            };
        _filters = new float[_positions * outChannels * inChannels];
        for (int o = 0; o < outChannels; o++)
        {
            for (int i = 0; i < inChannels; i++)
            {
                int filter = ((o * inChannels) + i) * 9;
                for (int a = 0; a < _side; a++)
                {
                    for (int b = 0; b < _side; b++)
                    {
                        double sum = 0;
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                            {
                                sum += g[a, ky] * weight[filter + (ky * 3) + kx] * g[b, kx];
                            }
                        }

                        _filters[((((a * _side) + b) * outChannels) + o) * inChannels + i] = (float)sum;
                    }
                }
            }
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Output tile side: 2 or 4.</summary>
    public int Tile { get; }

    /// <summary><c>pooled = ReLU(maxpool2×2(conv(input)) + bias)</c>, ⌊h/2⌋ × ⌊w/2⌋ × out channels-last (an odd last
    /// row or column of the convolution is dropped by the pooling, so it is never computed).</summary>
    public void ConvolvePool(ReadOnlySpan<float> input, int h, int w, bool replicate, Span<float> pooled, SimdPath path)
    {
        int half = Tile / 2;
        Convolve(input, h, w, ((h / 2) + half - 1) / half, ((w / 2) + half - 1) / half, replicate, pooled, default, 0f, path);
    }

    /// <summary><c>output[y, x] = projection · ReLU(conv(input)[y, x] + bias) + projectionBias</c>, h × w.</summary>
    public void ConvolveProject(ReadOnlySpan<float> input, int h, int w, bool replicate, ReadOnlySpan<float> projection, float projectionBias,
        Span<float> output, SimdPath path)
    {
        if (Tile != 2) throw new InvalidOperationException("the projection epilogue needs 2×2 tiles");
        Convolve(input, h, w, (h + 1) / 2, (w + 1) / 2, replicate, output, projection, projectionBias, path);
    }

    // Tile rows in bands whose transformed inputs and products fit BandFloats; each band is transformed, multiplied
    // (one GEMM per position) and passed through the epilogue before the next.
    private void Convolve(ReadOnlySpan<float> input, int h, int w, int tileRows, int tilesX, bool replicate, Span<float> output,
        ReadOnlySpan<float> projection, float projectionBias, SimdPath path)
    {
        int inC = InChannels, outC = OutChannels;
        int bandRows = Math.Max(1, BandFloats / (_positions * (inC + outC) * tilesX));
        int bandTiles = Math.Min(tileRows, bandRows) * tilesX;
        bool project = !projection.IsEmpty;
        int transformedLength = _positions * bandTiles * inC, productLength = ProductFloats(bandTiles);
        int half = Tile / 2, pooledRows = h / 2, pooledCols = w / 2;
        var (inputStage, poolStage) = Tile == 2 ? (Stage.Input, Stage.Pool) : (Stage.InputF4, Stage.PoolF4);
        float[] rented = ArrayPool<float>.Shared.Rent(transformedLength + productLength + (project ? 4 * bandTiles : 0));
        try
        {
            for (int row0 = 0; row0 < tileRows; row0 += bandRows)
            {
                int rows = Math.Min(bandRows, tileRows - row0), tiles = rows * tilesX;
                var transformed = rented.AsSpan(0, _positions * tiles * inC);
                var products = rented.AsSpan(transformedLength, ProductFloats(tiles));
                Dispatch(path, new Band(input, h, w, inC, replicate, row0, rows, tilesX), transformed, inputStage, default, default, default);

                // The pooled rows of this band: a tile row is `half` pooled rows, the last band's may be cut.
                int bandPooled0 = row0 * half;
                var pooled = project ? default : output.Slice(bandPooled0 * pooledCols * outC,
                    Math.Min(rows * half, pooledRows - bandPooled0) * pooledCols * outC);
                if (inC == 1 && !project)
                {
                    // One input channel: each product is a scalar times a filter row, done in registers (no GEMM).
                    Dispatch(path, new Band(default, h, w, outC, replicate, row0, rows, tilesX), transformed, Stage.OuterPool, _bias, _filters, pooled);
                    continue;
                }

                var layout = Multiply(transformed, products, tiles, path);
                if (!project)
                {
                    Dispatch(path, layout.Of(h, w, outC, replicate, row0, rows, tilesX), products, poolStage, _bias, default, pooled);
                    continue;
                }

                var sums = rented.AsSpan(transformedLength + productLength, 4 * tiles);
                sums.Clear();
                Dispatch(path, layout.Of(h, w, outC, replicate, row0, rows, tilesX), products, Stage.Project, _bias, projection, sums);
                for (int t = 0; t < tiles; t++)
                {
                    int y0 = 2 * (row0 + (t / tilesX)), x0 = 2 * (t % tilesX);
                    for (int p = 0; p < 4; p++)
                    {
                        int y = y0 + (p >> 1), x = x0 + (p & 1);
                        if (y < h && x < w) output[(y * w) + x] = sums[(4 * t) + p] + projectionBias;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // Products of any path's layout: output channels rounded up to 32 (a whole number of 2L-wide panels on every
    // width), tiles to the micro-kernel's row blocks.
    private int ProductFloats(int tiles) =>
        _positions * ((OutChannels + 31) & ~31) * PanelMicroKernel.Rows * ((tiles + PanelMicroKernel.Rows - 1) / PanelMicroKernel.Rows);

    /// <summary>Where product (ξ, tile t, channel ch) lies: <c>((ξ·P + ch / Width)·PaddedTiles + t)·Width + ch % Width</c>
    /// for P panels of <see cref="Width"/> channels (the scalar path's one panel is all channels, tiles unpadded).</summary>
    private readonly record struct Layout(int Width, int PaddedTiles)
    {
        public Band Of(int h, int w, int channels, bool replicate, int row0, int rows, int tilesX) =>
            new(default, h, w, channels, replicate, row0, rows, tilesX, Width, PaddedTiles);
    }

    // The products V_ξ · U_ξᵀ, one per position ξ: on a vector path, the micro-kernel straight into panel-major products from the
    // filters packed once per path; on the scalar path, the scalar GEMM reference into row-major products.
    private Layout Multiply(ReadOnlySpan<float> transformed, Span<float> products, int tiles, SimdPath path)
    {
        int inC = InChannels, outC = OutChannels;
        switch (path)
        {
            case SimdPath.Vector512:
                return MultiplyPanels<Vector512<float>, Lanes512>(transformed, products, tiles, Panels<Lanes512>(2));
            case SimdPath.Vector256:
                return MultiplyPanels<Vector256<float>, Lanes256>(transformed, products, tiles, Panels<Lanes256>(1));
            case SimdPath.Vector128:
                return MultiplyPanels<Vector128<float>, Lanes128>(transformed, products, tiles, Panels<Lanes128>(0));
            default:
                for (int xi = 0; xi < _positions; xi++)
                {
                    Gemm.MultiplyTransposed(transformed.Slice(xi * tiles * inC, tiles * inC), _filters.AsSpan(xi * outC * inC, outC * inC),
                        products.Slice(xi * tiles * outC, tiles * outC), tiles, outC, inC, SimdPath.Scalar);
                }

                return new Layout(outC, tiles);
        }
    }

    private Layout MultiplyPanels<TVector, TLanes>(ReadOnlySpan<float> transformed, Span<float> products, int tiles, float[] panels)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int inC = InChannels, width = 2 * TLanes.Count, count = (OutChannels + width - 1) / width;
        int vectors = PanelMicroKernel.ProductLength(tiles), panelFloats = inC * width;
        var product = MemoryMarshal.Cast<float, TVector>(products);
        ref float v = ref MemoryMarshal.GetReference(transformed);
        ref float u = ref MemoryMarshal.GetArrayDataReference(panels);
        for (int xi = 0; xi < _positions; xi++)
        {
            for (int p = 0; p < count; p++)
            {
                int panel = (xi * count) + p;
                PanelMicroKernel.MultiplyPanel<TVector, TLanes>(ref Unsafe.Add(ref v, xi * tiles * inC), inC, tiles,
                    ref Unsafe.Add(ref u, panel * panelFloats), inC, product.Slice(panel * vectors, vectors));
            }
        }

        return new Layout(width, vectors / 2);
    }

    // The filters in panels of 2L output channels for one vector width, packed on first use.
    private float[] Panels<TLanes>(int slot)
        where TLanes : struct, ISimdLanes
    {
        if (Volatile.Read(ref _panels[slot]) is { } packed)
        {
            return packed;
        }

        int inC = InChannels, outC = OutChannels, width = 2 * TLanes.Count, count = (outC + width - 1) / width;
        var panels = new float[_positions * count * inC * width];
        Span<int> rowStarts = stackalloc int[width];
        for (int xi = 0; xi < _positions; xi++)
        {
            for (int p = 0; p < count; p++)
            {
                for (int col = 0; col < width; col++)
                {
                    int o = (p * width) + col;
                    rowStarts[col] = o < outC ? o * inC : -1;
                }

                PanelPacker.Pack(_filters.AsSpan(xi * outC * inC, outC * inC), rowStarts, inC, panels.AsSpan(((xi * count) + p) * inC * width, inC * width));
            }
        }

        return Interlocked.CompareExchange(ref _panels[slot], panels, null) ?? panels;
    }

    private enum Stage
    {
        Input,
        Pool,
        OuterPool,
        Project,
        InputF4,
        PoolF4,
    }

    /// <summary>Tile rows [<see cref="Row0"/>, + <see cref="Rows"/>) × <see cref="TilesX"/> tiles of an H×W×C image.</summary>
    /// <remarks>For products, <see cref="Width"/> and <see cref="PaddedTiles"/> give their <see cref="Layout"/>;
    /// otherwise data is [ξ][tile][channel].</remarks>
    private readonly ref struct Band(ReadOnlySpan<float> image, int h, int w, int channels, bool replicate, int row0, int rows, int tilesX,
        int width = 0, int paddedTiles = 0)
    {
        public readonly ReadOnlySpan<float> Image = image;
        public readonly int H = h, W = w, Channels = channels, Row0 = row0, Rows = rows, TilesX = tilesX;
        public readonly bool Replicate = replicate;
        public readonly int Width = width, PaddedTiles = paddedTiles;

        /// <summary>Floats between the products of consecutive positions ξ.</summary>
        public int Plane => (Channels + Width - 1) / Width * PaddedTiles * Width;

        /// <summary>Offset of product (ξ = 0, tile t, channel ch).</summary>
        public int At(int t, int ch) => ((((ch / Width) * PaddedTiles) + t) * Width) + (ch % Width);
    }

    // Whole vectors of channels on the requested path, the remaining channels (all of them on the scalar path) on
    // LanesScalar, through the same generic code.
    // vectors: the projection (Project) or the transformed filters (OuterPool).
    private static void Dispatch(SimdPath path, Band band, Span<float> data, Stage stage, ReadOnlySpan<float> bias, ReadOnlySpan<float> vectors, Span<float> result)
    {
        int done = path switch
        {
            SimdPath.Vector512 => Run<Vector512<float>, Lanes512>(band, data, stage, bias, vectors, result),
            SimdPath.Vector256 => Run<Vector256<float>, Lanes256>(band, data, stage, bias, vectors, result),
            SimdPath.Vector128 => Run<Vector128<float>, Lanes128>(band, data, stage, bias, vectors, result),
            _ => 0,
        };
        if (done < band.Channels)
        {
            Run<float, LanesScalar>(band, data, stage, bias, vectors, result, done);
        }
    }

    // Runs one stage over channels [first, last whole vector); returns the first channel not done.
    private static int Run<TVector, TLanes>(Band band, Span<float> data, Stage stage, ReadOnlySpan<float> bias, ReadOnlySpan<float> vectors,
        Span<float> result, int first = 0)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int end = first + ((band.Channels - first) / TLanes.Count * TLanes.Count);
        if (end == first)
        {
            return first;
        }

        switch (stage)
        {
            case Stage.Input:
                TransformInput<TVector, TLanes>(band, data, first, end, 2);
                break;
            case Stage.Pool:
                PoolBiasRelu<TVector, TLanes>(band, data, bias, result, first, end);
                break;
            case Stage.OuterPool:
                OuterPoolBiasRelu<TVector, TLanes>(band, data, bias, vectors, result, first, end);
                break;
            case Stage.InputF4:
                TransformInput<TVector, TLanes>(band, data, first, end, 4);
                break;
            case Stage.PoolF4:
                PoolBiasReluF4<TVector, TLanes>(band, data, bias, result, first, end);
                break;
            default:
                ProjectBiasRelu<TVector, TLanes>(band, data, bias, vectors, result, first, end);
                break;
        }

        return end;
    }

    // V[ξ][t][ch] = (Bᵀ d B)[ξ] of tile t's (tile + 2)² input patch d (rows tile·ty − 1.., columns tile·tx − 1..; the
    // padding folded into the offsets), per channel vector by TransformPatch (F(2×2)) or TransformPatchF4 (F(4×4)).
    private static void TransformInput<TVector, TLanes>(Band band, Span<float> transformed, int first, int end, int tile)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int c = band.Channels, tiles = band.Rows * band.TilesX, plane = tiles * c, side = tile + 2;
        ref float image = ref MemoryMarshal.GetReference(band.Image);
        ref float v = ref MemoryMarshal.GetReference(transformed);
        Span<int> rowAt = stackalloc int[6];
        Span<int> colAt = stackalloc int[6];
        Span<TVector> combined = stackalloc TVector[36];
        for (int r = 0; r < band.Rows; r++)
        {
            for (int i = 0; i < side; i++)
            {
                rowAt[i] = Offset((tile * (band.Row0 + r)) - 1 + i, band.H, band.Replicate, band.W * c);
            }

            for (int tx = 0; tx < band.TilesX; tx++)
            {
                for (int j = 0; j < side; j++)
                {
                    colAt[j] = Offset((tile * tx) - 1 + j, band.W, band.Replicate, c);
                }

                ref float tileStart = ref Unsafe.Add(ref v, ((r * band.TilesX) + tx) * c);
                for (int ch = first; ch < end; ch += TLanes.Count)
                {
                    if (tile == 2)
                    {
                        TransformPatch<TVector, TLanes>(ref image, rowAt, colAt, ch, ref Unsafe.Add(ref tileStart, ch), plane);
                    }
                    else
                    {
                        TransformPatchF4<TVector, TLanes>(ref image, rowAt, colAt, ch, ref Unsafe.Add(ref tileStart, ch), plane, combined);
                    }
                }
            }
        }
    }

    // F(2×2): Bᵀ rows (1, 0, −1, 0), (0, 1, 1, 0), (0, −1, 1, 0), (0, 1, 0, −1); the columns are combined per patch row,
    // then the rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformPatch<TVector, TLanes>(ref float image, ReadOnlySpan<int> rowAt, ReadOnlySpan<int> colAt, int ch, ref float at, int plane)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var (e00, e01, e02, e03) = ColumnCombine<TVector, TLanes>(ref image, rowAt[0], colAt, ch);
        var (e10, e11, e12, e13) = ColumnCombine<TVector, TLanes>(ref image, rowAt[1], colAt, ch);
        var (e20, e21, e22, e23) = ColumnCombine<TVector, TLanes>(ref image, rowAt[2], colAt, ch);
        var (e30, e31, e32, e33) = ColumnCombine<TVector, TLanes>(ref image, rowAt[3], colAt, ch);
        StoreCombined<TVector, TLanes>(ref at, plane, 0, e00, e10, e20, e30);
        StoreCombined<TVector, TLanes>(ref at, plane, 1, e01, e11, e21, e31);
        StoreCombined<TVector, TLanes>(ref at, plane, 2, e02, e12, e22, e32);
        StoreCombined<TVector, TLanes>(ref at, plane, 3, e03, e13, e23, e33);
    }

    // Offset of padded coordinate p (−1 ≤ p ≤ n) along an axis of n with the given stride; −1 for a zero pad.
    private static int Offset(int p, int n, bool replicate, int stride) =>
        (uint)p < (uint)n ? p * stride : replicate ? Math.Clamp(p, 0, n - 1) * stride : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Tap<TVector, TLanes>(ref float image, int rowAt, int colAt, int ch)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector> =>
        rowAt < 0 || colAt < 0 ? TLanes.Zero : TLanes.Load(ref Unsafe.Add(ref image, rowAt + colAt + ch));

    // d·B of one patch row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector) ColumnCombine<TVector, TLanes>(ref float image, int rowAt, ReadOnlySpan<int> colAt, int ch)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var d0 = Tap<TVector, TLanes>(ref image, rowAt, colAt[0], ch);
        var d1 = Tap<TVector, TLanes>(ref image, rowAt, colAt[1], ch);
        var d2 = Tap<TVector, TLanes>(ref image, rowAt, colAt[2], ch);
        var d3 = Tap<TVector, TLanes>(ref image, rowAt, colAt[3], ch);
        return (TLanes.Subtract(d0, d2), TLanes.Add(d1, d2), TLanes.Subtract(d2, d1), TLanes.Subtract(d1, d3));
    }

    // Bᵀ applied down column j of the column-combined patch, stored at positions ξ = 4a + j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreCombined<TVector, TLanes>(ref float at, int plane, int j, TVector e0, TVector e1, TVector e2, TVector e3)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        TLanes.Store(TLanes.Subtract(e0, e2), ref Unsafe.Add(ref at, j * plane));
        TLanes.Store(TLanes.Add(e1, e2), ref Unsafe.Add(ref at, (4 + j) * plane));
        TLanes.Store(TLanes.Subtract(e2, e1), ref Unsafe.Add(ref at, (8 + j) * plane));
        TLanes.Store(TLanes.Subtract(e1, e3), ref Unsafe.Add(ref at, (12 + j) * plane));
    }

    // Y = Aᵀ M A of tile t, Aᵀ rows (1, 1, 1, 0), (0, 1, −1, −1): the 2×2 outputs (y00, y01, y10, y11).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector) OutputTile<TVector, TLanes>(ref float at, int plane)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var (f00, f01) = RowReduce<TVector, TLanes>(Load<TVector, TLanes>(ref at, 0), Load<TVector, TLanes>(ref at, plane),
            Load<TVector, TLanes>(ref at, 2 * plane), Load<TVector, TLanes>(ref at, 3 * plane));
        var (f10, f11) = RowReduce<TVector, TLanes>(Load<TVector, TLanes>(ref at, 4 * plane), Load<TVector, TLanes>(ref at, 5 * plane),
            Load<TVector, TLanes>(ref at, 6 * plane), Load<TVector, TLanes>(ref at, 7 * plane));
        var (f20, f21) = RowReduce<TVector, TLanes>(Load<TVector, TLanes>(ref at, 8 * plane), Load<TVector, TLanes>(ref at, 9 * plane),
            Load<TVector, TLanes>(ref at, 10 * plane), Load<TVector, TLanes>(ref at, 11 * plane));
        var (f30, f31) = RowReduce<TVector, TLanes>(Load<TVector, TLanes>(ref at, 12 * plane), Load<TVector, TLanes>(ref at, 13 * plane),
            Load<TVector, TLanes>(ref at, 14 * plane), Load<TVector, TLanes>(ref at, 15 * plane));
        return ColumnReduce<TVector, TLanes>(f00, f01, f10, f11, f20, f21, f30, f31);
    }

    // The same for one input channel: M[ξ] = v[ξ] · U[ξ] (the scalar transformed input times a filter vector).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector) OuterTile<TVector, TLanes>(ref float v, int vPlane, ref float u, int uPlane)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var (f00, f01) = RowReduce<TVector, TLanes>(Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 0), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 1),
            Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 2), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 3));
        var (f10, f11) = RowReduce<TVector, TLanes>(Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 4), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 5),
            Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 6), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 7));
        var (f20, f21) = RowReduce<TVector, TLanes>(Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 8), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 9),
            Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 10), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 11));
        var (f30, f31) = RowReduce<TVector, TLanes>(Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 12), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 13),
            Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 14), Product<TVector, TLanes>(ref v, vPlane, ref u, uPlane, 15));
        return ColumnReduce<TVector, TLanes>(f00, f01, f10, f11, f20, f21, f30, f31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Load<TVector, TLanes>(ref float at, int offset)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector> => TLanes.Load(ref Unsafe.Add(ref at, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Product<TVector, TLanes>(ref float v, int vPlane, ref float u, int uPlane, int xi)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector> =>
        TLanes.MultiplyAdd(TLanes.Broadcast(Unsafe.Add(ref v, xi * vPlane)), TLanes.Load(ref Unsafe.Add(ref u, xi * uPlane)), TLanes.Zero);

    // One row of M times A: (m0 + m1 + m2, m1 − m2 − m3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector) RowReduce<TVector, TLanes>(TVector m0, TVector m1, TVector m2, TVector m3)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector> =>
        (TLanes.Add(TLanes.Add(m0, m1), m2), TLanes.Subtract(TLanes.Subtract(m1, m2), m3));

    // Aᵀ down the two reduced columns: rows (f0 + f1 + f2) and (f1 − f2 − f3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector) ColumnReduce<TVector, TLanes>(TVector f00, TVector f01, TVector f10, TVector f11,
        TVector f20, TVector f21, TVector f30, TVector f31)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector> =>
        (TLanes.Add(TLanes.Add(f00, f10), f20), TLanes.Add(TLanes.Add(f01, f11), f21),
            TLanes.Subtract(TLanes.Subtract(f10, f20), f30), TLanes.Subtract(TLanes.Subtract(f11, f21), f31));

    // Max-pooling before bias and ReLU is exact: both are monotone per channel.
    private static void PoolBiasRelu<TVector, TLanes>(Band band, Span<float> products, ReadOnlySpan<float> bias, Span<float> pooled, int first, int end)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int c = band.Channels, tiles = band.Rows * band.TilesX, plane = band.Plane;
        ref float m = ref MemoryMarshal.GetReference(products);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float dst = ref MemoryMarshal.GetReference(pooled);
        for (int t = 0; t < tiles; t++)
        {
            for (int ch = first; ch < end; ch += TLanes.Count)
            {
                var (y00, y01, y10, y11) = OutputTile<TVector, TLanes>(ref Unsafe.Add(ref m, band.At(t, ch)), plane);
                StorePooled<TVector, TLanes>(y00, y01, y10, y11, ref Unsafe.Add(ref b, ch), ref Unsafe.Add(ref dst, (t * c) + ch));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePooled<TVector, TLanes>(TVector y00, TVector y01, TVector y10, TVector y11, ref float bias, ref float destination)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var max = TLanes.Max(TLanes.Max(y00, y01), TLanes.Max(y10, y11));
        TLanes.Store(TLanes.Max(TLanes.Add(max, TLanes.Load(ref bias)), TLanes.Zero), ref destination);
    }

    // One input channel: transformed[ξ][t] times the filters U[ξ][o], then as PoolBiasRelu.
    private static void OuterPoolBiasRelu<TVector, TLanes>(Band band, Span<float> transformed, ReadOnlySpan<float> bias, ReadOnlySpan<float> filters,
        Span<float> pooled, int first, int end)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int c = band.Channels, tiles = band.Rows * band.TilesX;
        ref float v = ref MemoryMarshal.GetReference(transformed);
        ref float u = ref MemoryMarshal.GetReference(filters);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float dst = ref MemoryMarshal.GetReference(pooled);
        for (int t = 0; t < tiles; t++)
        {
            for (int ch = first; ch < end; ch += TLanes.Count)
            {
                var (y00, y01, y10, y11) = OuterTile<TVector, TLanes>(ref Unsafe.Add(ref v, t), tiles, ref Unsafe.Add(ref u, ch), c);
                StorePooled<TVector, TLanes>(y00, y01, y10, y11, ref Unsafe.Add(ref b, ch), ref Unsafe.Add(ref dst, (t * c) + ch));
            }
        }
    }

    // sums[4t + p] += Σ_ch projection[ch] · ReLU(y_p[ch] + bias[ch]) over the stage's channels.
    private static void ProjectBiasRelu<TVector, TLanes>(Band band, Span<float> products, ReadOnlySpan<float> bias, ReadOnlySpan<float> projection,
        Span<float> sums, int first, int end)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int tiles = band.Rows * band.TilesX, plane = band.Plane;
        ref float m = ref MemoryMarshal.GetReference(products);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float w = ref MemoryMarshal.GetReference(projection);
        for (int t = 0; t < tiles; t++)
        {
            TVector s00 = TLanes.Zero, s01 = TLanes.Zero, s10 = TLanes.Zero, s11 = TLanes.Zero;
            for (int ch = first; ch < end; ch += TLanes.Count)
            {
                var (y00, y01, y10, y11) = OutputTile<TVector, TLanes>(ref Unsafe.Add(ref m, band.At(t, ch)), plane);
                var bc = TLanes.Load(ref Unsafe.Add(ref b, ch));
                var wc = TLanes.Load(ref Unsafe.Add(ref w, ch));
                s00 = TLanes.MultiplyAdd(TLanes.Max(TLanes.Add(y00, bc), TLanes.Zero), wc, s00);
                s01 = TLanes.MultiplyAdd(TLanes.Max(TLanes.Add(y01, bc), TLanes.Zero), wc, s01);
                s10 = TLanes.MultiplyAdd(TLanes.Max(TLanes.Add(y10, bc), TLanes.Zero), wc, s10);
                s11 = TLanes.MultiplyAdd(TLanes.Max(TLanes.Add(y11, bc), TLanes.Zero), wc, s11);
            }

            sums[4 * t] += TLanes.Sum(s00);
            sums[(4 * t) + 1] += TLanes.Sum(s01);
            sums[(4 * t) + 2] += TLanes.Sum(s10);
            sums[(4 * t) + 3] += TLanes.Sum(s11);
        }
    }

    // F(4×4, 3×3): ξ = 6a + b of the 6×6 patch; Bᵀ along each patch row into `combined`, then down each column.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformPatchF4<TVector, TLanes>(ref float image, ReadOnlySpan<int> rowAt, ReadOnlySpan<int> colAt, int ch, ref float at, int plane,
        Span<TVector> combined)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        for (int i = 0; i < 6; i++)
        {
            int row = rowAt[i];
            (combined[6 * i], combined[(6 * i) + 1], combined[(6 * i) + 2], combined[(6 * i) + 3], combined[(6 * i) + 4], combined[(6 * i) + 5]) =
                InputTransformF4<TVector, TLanes>(Tap<TVector, TLanes>(ref image, row, colAt[0], ch), Tap<TVector, TLanes>(ref image, row, colAt[1], ch),
                    Tap<TVector, TLanes>(ref image, row, colAt[2], ch), Tap<TVector, TLanes>(ref image, row, colAt[3], ch),
                    Tap<TVector, TLanes>(ref image, row, colAt[4], ch), Tap<TVector, TLanes>(ref image, row, colAt[5], ch));
        }

        for (int j = 0; j < 6; j++)
        {
            var (t0, t1, t2, t3, t4, t5) = InputTransformF4<TVector, TLanes>(combined[j], combined[6 + j], combined[12 + j],
                combined[18 + j], combined[24 + j], combined[30 + j]);
            TLanes.Store(t0, ref Unsafe.Add(ref at, j * plane));
            TLanes.Store(t1, ref Unsafe.Add(ref at, (6 + j) * plane));
            TLanes.Store(t2, ref Unsafe.Add(ref at, (12 + j) * plane));
            TLanes.Store(t3, ref Unsafe.Add(ref at, (18 + j) * plane));
            TLanes.Store(t4, ref Unsafe.Add(ref at, (24 + j) * plane));
            TLanes.Store(t5, ref Unsafe.Add(ref at, (30 + j) * plane));
        }
    }

    // Bᵀ d of F(4×4, 3×3), rows (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0), (0, −2, −1, 2, 1, 0),
    // (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1); the scalings by 2 and 4 are exact.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector, TVector, TVector) InputTransformF4<TVector, TLanes>(
        TVector d0, TVector d1, TVector d2, TVector d3, TVector d4, TVector d5)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var four = TLanes.Broadcast(4f);
        var minusFour = TLanes.Broadcast(-4f);
        var a = TLanes.MultiplyAdd(d2, minusFour, d4); // d4 − 4d2
        var b = TLanes.MultiplyAdd(d1, minusFour, d3); // d3 − 4d1
        var c = TLanes.Subtract(d4, d2);
        var e = TLanes.Subtract(d3, d1);
        e = TLanes.Add(e, e); // 2(d3 − d1)
        return (TLanes.MultiplyAdd(TLanes.Subtract(d0, d2), four, c), TLanes.Add(a, b), TLanes.Subtract(a, b), TLanes.Add(c, e),
            TLanes.Subtract(c, e), TLanes.MultiplyAdd(TLanes.Subtract(d1, d3), four, TLanes.Subtract(d5, d3)));
    }

    // Aᵀ m of F(4×4, 3×3), rows (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVector, TVector, TVector, TVector) OutputTransformF4<TVector, TLanes>(
        TVector m0, TVector m1, TVector m2, TVector m3, TVector m4, TVector m5)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        var p = TLanes.Add(m1, m2);
        var q = TLanes.Subtract(m1, m2);
        var r = TLanes.Add(m3, m4);
        var s = TLanes.Subtract(m3, m4);
        return (TLanes.Add(TLanes.Add(m0, p), r), TLanes.MultiplyAdd(s, TLanes.Broadcast(2f), q), TLanes.MultiplyAdd(r, TLanes.Broadcast(4f), p),
            TLanes.Add(TLanes.MultiplyAdd(s, TLanes.Broadcast(8f), q), m5));
    }

    // F(4×4, 3×3): the 4×4 output tile Aᵀ M A (A along each row of M into `reduced`, then Aᵀ down two columns at a
    // time) is four pooling windows; each window's max + bias, ReLU, stored where the band's pooled rows and columns exist.
    private static void PoolBiasReluF4<TVector, TLanes>(Band band, Span<float> products, ReadOnlySpan<float> bias, Span<float> pooled, int first, int end)
        where TVector : unmanaged
        where TLanes : struct, ISimdLanes<TVector>
    {
        int c = band.Channels, plane = band.Plane, pooledCols = band.W / 2;
        int bandPooledRows = Math.Min(2 * band.Rows, (band.H / 2) - (2 * band.Row0));
        ref float m = ref MemoryMarshal.GetReference(products);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float dst = ref MemoryMarshal.GetReference(pooled);
        Span<TVector> reduced = stackalloc TVector[24];
        for (int r = 0; r < band.Rows; r++)
        {
            for (int tx = 0; tx < band.TilesX; tx++)
            {
                for (int ch = first; ch < end; ch += TLanes.Count)
                {
                    ref float at = ref Unsafe.Add(ref m, band.At((r * band.TilesX) + tx, ch));
                    for (int a = 0; a < 6; a++)
                    {
                        (reduced[4 * a], reduced[(4 * a) + 1], reduced[(4 * a) + 2], reduced[(4 * a) + 3]) = OutputTransformF4<TVector, TLanes>(
                            Load<TVector, TLanes>(ref at, 6 * a * plane), Load<TVector, TLanes>(ref at, ((6 * a) + 1) * plane),
                            Load<TVector, TLanes>(ref at, ((6 * a) + 2) * plane), Load<TVector, TLanes>(ref at, ((6 * a) + 3) * plane),
                            Load<TVector, TLanes>(ref at, ((6 * a) + 4) * plane), Load<TVector, TLanes>(ref at, ((6 * a) + 5) * plane));
                    }

                    for (int px = 0; px < 2; px++)
                    {
                        var (y00, y10, y20, y30) = OutputTransformF4<TVector, TLanes>(reduced[2 * px], reduced[4 + (2 * px)], reduced[8 + (2 * px)],
                            reduced[12 + (2 * px)], reduced[16 + (2 * px)], reduced[20 + (2 * px)]);
                        var (y01, y11, y21, y31) = OutputTransformF4<TVector, TLanes>(reduced[(2 * px) + 1], reduced[5 + (2 * px)], reduced[9 + (2 * px)],
                            reduced[13 + (2 * px)], reduced[17 + (2 * px)], reduced[21 + (2 * px)]);
                        int x = (2 * tx) + px;
                        if (x >= pooledCols) continue;
                        for (int py = 0; py < 2; py++)
                        {
                            int y = (2 * r) + py;
                            if (y >= bandPooledRows) continue;
                            ref float destination = ref Unsafe.Add(ref dst, (((y * pooledCols) + x) * c) + ch);
                            if (py == 0) StorePooled<TVector, TLanes>(y00, y01, y10, y11, ref Unsafe.Add(ref b, ch), ref destination);
                            else StorePooled<TVector, TLanes>(y20, y21, y30, y31, ref Unsafe.Add(ref b, ch), ref destination);
                        }
                    }
                }
            }
        }
    }
}
