using System.Buffers;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The video comparator CNN (reference <c>VideoComperator</c>) over a Tq×Tt frame-to-frame similarity matrix:
/// pad 1, conv 3×3 (1→32), ReLU, max-pool 2×2/2; pad 1, conv 3×3 (32→64), ReLU, max-pool 2×2/2; pad 1,
/// conv 3×3 (64→128), ReLU; conv 1×1 (128→1). The output is ⌊⌊Tq/2⌋/2⌋ × ⌊⌊Tt/2⌋/2⌋ raw scores (no hardtanh).
/// Weights: <c>{prefix}conv1/conv2/conv3/fconv.weight</c> and <c>.bias</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// The three 3×3 convolutions run as Winograd products (<see cref="WinogradConvolution"/>): F(4×4, 3×3) for conv2 (36
/// matrix products over 4×4 output tiles, each four pooling windows), F(2×2, 3×3) for conv1 (one input channel, no
/// products to save) and conv3 (10×10 at T = 40: 4×4 tiles would compute 12×12), with max-pooling, bias and ReLU (and
/// the final 1×1 convolution) fused into the output transform. Max-pooling runs before the bias and ReLU: a per-channel bias and ReLU are monotone, so
/// <c>relu(max(a) + b) = max(relu(a + b))</c> exactly.
/// </remarks>
public sealed class VideoComparator
{
    /// <summary>The smallest frame count on each axis: two 2×2 poolings of fewer than 4 frames leave nothing.</summary>
    public const int MinimumFrames = 4;

    private const int C1 = 32, C2 = 64, C3 = 128;

    private readonly WinogradConvolution _conv1, _conv2, _conv3;
    private readonly float[] _wf;
    private readonly float _bf;

    private VideoComparator(ComparatorPadding padding, WinogradConvolution conv1, WinogradConvolution conv2, WinogradConvolution conv3, float[] wf, float bf)
    {
        Padding = padding;
        (_conv1, _conv2, _conv3, _wf, _bf) = (conv1, conv2, conv3, wf, bf);
    }

    /// <summary>The padding before each 3×3 convolution.</summary>
    public ComparatorPadding Padding { get; }

    /// <summary>Loads the comparator under <paramref name="prefix"/> (<c>visil_head.</c> in the students and selector, <c>video_comperator.</c> in ViSiL).</summary>
    /// <exception cref="WeightsFormatException">A tensor is missing or has the wrong shape.</exception>
    public static VideoComparator Load(ITensorSource source, string prefix, ComparatorPadding padding)
    {
        WinogradConvolution Conv(string layer, int outChannels, int inChannels, int tile = 2) => new(
            source.ReadFloats(StateDictKeys.Child(prefix, layer) + StateDictKeys.Weight, outChannels, inChannels, 3, 3),
            source.ReadFloats(StateDictKeys.Child(prefix, layer) + StateDictKeys.Bias, outChannels), outChannels, inChannels, tile);
        return new(padding, Conv(StateDictKeys.Conv1, C1, 1), Conv(StateDictKeys.Conv2, C2, C1, tile: 4), Conv(StateDictKeys.Conv3, C3, C2),
            source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.FinalConv) + StateDictKeys.Weight, 1, C3, 1, 1),
            source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.FinalConv) + StateDictKeys.Bias, 1)[0]);
    }

    /// <summary>True when the tensors of a comparator exist under <paramref name="prefix"/>.</summary>
    public static bool IsPresent(ITensorSource source, string prefix) => source.Tensors.ContainsKey(StateDictKeys.Child(prefix, StateDictKeys.Conv1) + StateDictKeys.Weight);

    /// <summary>The output size for a rows×cols input: ⌊⌊rows/2⌋/2⌋ × ⌊⌊cols/2⌋/2⌋.</summary>
    public static (int Rows, int Cols) OutputShape(int rows, int cols) => (rows / 2 / 2, cols / 2 / 2);

    /// <summary>Runs the CNN on a rows×cols similarity matrix and writes the raw (pre-hardtanh) output.</summary>
    /// <param name="similarity">The rows×cols frame-to-frame matrix, row-major.</param>
    /// <param name="rows">Query frames (≥ <see cref="MinimumFrames"/>).</param>
    /// <param name="cols">Target frames (≥ <see cref="MinimumFrames"/>).</param>
    /// <param name="output">Destination of at least <see cref="OutputShape"/> elements, row-major.</param>
    /// <exception cref="ArgumentException">Fewer than 4 rows or columns, or spans of the wrong length.</exception>
    public void Forward(ReadOnlySpan<float> similarity, int rows, int cols, Span<float> output) =>
        Forward(similarity, rows, cols, output, SimdCapabilities.Best);

    /// <summary><see cref="Forward(ReadOnlySpan{float}, int, int, Span{float})"/> on a forced SIMD path (the kernel checks).</summary>
    internal void Forward(ReadOnlySpan<float> similarity, int rows, int cols, Span<float> output, SimdPath path)
    {
        KernelGuard.Path(path);
        if (rows < MinimumFrames || cols < MinimumFrames)
            throw new ArgumentException($"the video comparator needs at least {MinimumFrames}×{MinimumFrames} frames, got {rows}×{cols} (tile short videos first)", nameof(similarity));
        if (similarity.Length != rows * cols)
            throw new ArgumentException($"similarity has {similarity.Length} floats, expected {rows}×{cols}", nameof(similarity));
        var (outRows, outCols) = OutputShape(rows, cols);
        if (output.Length < outRows * outCols)
            throw new ArgumentException($"output needs {outRows}×{outCols} floats, got {output.Length}", nameof(output));

        int h2 = rows / 2, w2 = cols / 2;
        bool replicate = Padding == ComparatorPadding.Replicate;
        float[] rented = ArrayPool<float>.Shared.Rent((h2 * w2 * C1) + (outRows * outCols * C2));
        try
        {
            var act1 = rented.AsSpan(0, h2 * w2 * C1);
            var act2 = rented.AsSpan(h2 * w2 * C1, outRows * outCols * C2);
            _conv1.ConvolvePool(similarity, rows, cols, replicate, act1, path);
            _conv2.ConvolvePool(act1, h2, w2, replicate, act2, path);
            _conv3.ConvolveProject(act2, outRows, outCols, replicate, _wf, _bf, output[..(outRows * outCols)], path);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
