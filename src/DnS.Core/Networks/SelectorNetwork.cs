using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The DnS selector network (reference <c>model.selector.SelectorNetwork</c>). Index time: one self-similarity
/// scalar per video (its own h-attention, frame×frame similarity averaged over all region pairs, its own zero-pad
/// comparator, mean of the outputs, no hardtanh). Query time: an MLP over [query self-sim, target self-sim,
/// coarse similarity] → probability that re-ranking the pair by the fine student is worthwhile.
/// Immutable after loading; safe to call concurrently.
/// </summary>
/// <remarks>
/// Weights: <c>attention.*</c>, <c>visil_head.*</c>, and the MLP <c>mlp.model.{4i}.weight</c> (Linear, no bias),
/// <c>mlp.model.{4i+1}.*</c> (eval-mode BatchNorm1d) for each hidden layer, then <c>mlp.model.{4(L+1)}.weight/bias</c>
/// (the output Linear) and a sigmoid. The hidden size and layer count come from the weights.
/// </remarks>
public sealed class SelectorNetwork
{
    // Pairs scored per GEMM call: bounds the scratch buffer for a whole-database batch.
    private const int BlockPairs = 1024;

    private readonly Attention _attention;
    private readonly (LinearLayer Linear, BatchNorm Norm)[] _hidden;
    private readonly LinearLayer _output;
    private readonly int _widest; // the widest hidden layer, to size the scratch buffers

    private SelectorNetwork(Attention attention, VideoComparator comparator, (LinearLayer, BatchNorm)[] hidden, LinearLayer output, int regions)
    {
        _attention = attention;
        Comparator = comparator;
        _hidden = hidden;
        _output = output;
        Regions = regions;
        foreach (var (linear, _) in hidden) _widest = Math.Max(_widest, linear.OutFeatures);
    }

    /// <summary>D, the input region feature size.</summary>
    public int Dims => _attention.Dims;

    /// <summary>R, regions per frame.</summary>
    public int Regions { get; }

    /// <summary>Width of the MLP's hidden layers (100 in DnS).</summary>
    public int HiddenSize => _output.InFeatures;

    /// <summary>The selector's own zero-pad video comparator.</summary>
    public VideoComparator Comparator { get; }

    /// <summary>Builds the selector from a state dict, validating every tensor shape up front.</summary>
    /// <param name="source">The state dict.</param>
    /// <param name="regions">Regions per frame (9 for L3-iMAC).</param>
    /// <exception cref="WeightsFormatException">A tensor is missing or mis-shaped.</exception>
    public static SelectorNetwork Load(ITensorSource source, int regions = 9)
    {
        source.RequireOnly("selector network", StateDictKeys.Attention + ".", StateDictKeys.ComparatorHead + ".", StateDictKeys.SelectorMlp + ".");
        var attention = Attention.Load(source);
        var comparator = VideoComparator.Load(source, StateDictKeys.ComparatorHead + ".", ComparatorPadding.Zero);
        var hidden = new List<(LinearLayer, BatchNorm)>();
        int inputs = 3, index = 0;
        // Linear/BatchNorm/ReLU/Dropout blocks of four modules until the one Linear with a bias.
        while (!source.Tensors.ContainsKey(MlpLayer(index) + StateDictKeys.Bias))
        {
            var linear = LinearLayer.Load(source, MlpLayer(index), -1, inputs, bias: false);
            hidden.Add((linear, BatchNorm.Load(source, MlpLayer(index + 1), linear.OutFeatures)));
            inputs = linear.OutFeatures;
            index += 4;
        }
        var output = LinearLayer.Load(source, MlpLayer(index), 1, inputs, bias: true);
        return new SelectorNetwork(attention, comparator, [.. hidden], output, regions);
    }

    // mlp.model.{index}.: an entry of the MLP's sequential container.
    private static string MlpLayer(int index) => StateDictKeys.Child(StateDictKeys.Child(StateDictKeys.SelectorMlp + ".", StateDictKeys.SelectorMlpModel), index);

    /// <summary>The video's self-similarity scalar (reference <c>index_video</c>); videos shorter than 4 frames are tiled.</summary>
    /// <param name="regions">T×R×D region features (T ≥ 1), row-major.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of R×D frames.</exception>
    public float IndexVideo(ReadOnlySpan<float> regions)
    {
        int d = Dims;
        int t = VectorMath.Rows(regions.Length, Regions * d, nameof(regions), $"T×{Regions}×{d}");
        if (t == 0) throw new ArgumentException("a video needs at least one frame", nameof(regions));
        int tiled = ComparatorHead.TiledLength(t);
        var (outRows, outCols) = VideoComparator.OutputShape(tiled, tiled);
        int scratchLength = regions.Length + t * d + tiled * tiled + outRows * outCols;
        float[] rented = ArrayPool<float>.Shared.Rent(scratchLength);
        try
        {
            var weighted = rented.AsSpan(0, regions.Length);
            var sums = rented.AsSpan(regions.Length, t * d);
            var f2f = rented.AsSpan(regions.Length + t * d, tiled * tiled);
            var output = rented.AsSpan(regions.Length + t * d + tiled * tiled, outRows * outCols);
            SelfSimilarity(regions, t, weighted, sums, f2f[..(t * t)]);
            if (tiled != t)
            {
                // Expand in place from the end so no source cell is overwritten before it is read.
                for (int i = tiled - 1; i >= 0; i--)
                    for (int j = tiled - 1; j >= 0; j--)
                        f2f[i * tiled + j] = f2f[(i % t) * t + j % t];
            }
            Comparator.Forward(f2f, tiled, tiled, output);
            return TensorPrimitives.Sum(output) / output.Length;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The selector's frame×frame matrix (reference <c>frame_to_frame_similarity</c>): the mean over all R² region
    /// pairs of ⟨x[i,o], x[j,p]⟩ after attention, which is ⟨Σ_o x[i,o], Σ_p x[j,p]⟩ / R².
    /// </summary>
    /// <param name="regions">T×R×D region features.</param>
    /// <param name="similarity">Destination of at least T×T floats.</param>
    public void FrameToFrame(ReadOnlySpan<float> regions, Span<float> similarity)
    {
        int d = Dims;
        int t = VectorMath.Rows(regions.Length, Regions * d, nameof(regions), $"T×{Regions}×{d}");
        if (similarity.Length < t * t) throw new ArgumentException($"similarity needs {t}×{t} floats, got {similarity.Length}", nameof(similarity));
        float[] rented = ArrayPool<float>.Shared.Rent(regions.Length + t * d);
        try
        {
            SelfSimilarity(regions, t, rented.AsSpan(0, regions.Length), rented.AsSpan(regions.Length, t * d), similarity[..(t * t)]);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>The probability that a pair should be re-ranked by the fine student (reference <c>forward</c>).</summary>
    /// <param name="querySelfSimilarity">The query's <see cref="IndexVideo"/> scalar.</param>
    /// <param name="targetSelfSimilarity">The target's <see cref="IndexVideo"/> scalar.</param>
    /// <param name="coarseSimilarity">The raw coarse dot product of the pair.</param>
    public float Score(float querySelfSimilarity, float targetSelfSimilarity, float coarseSimilarity)
    {
        Span<float> score = stackalloc float[1];
        Score([querySelfSimilarity], [targetSelfSimilarity], [coarseSimilarity], score);
        return score[0];
    }

    /// <summary>Scores N pairs at once: element n of each input span describes pair n.</summary>
    /// <param name="querySelfSimilarity">One query self-similarity, or N of them.</param>
    /// <param name="targetSelfSimilarities">N target self-similarities.</param>
    /// <param name="coarseSimilarities">N coarse dot products.</param>
    /// <param name="scores">Destination of N probabilities.</param>
    /// <exception cref="ArgumentException">The spans disagree on N.</exception>
    public void Score(ReadOnlySpan<float> querySelfSimilarity, ReadOnlySpan<float> targetSelfSimilarities, ReadOnlySpan<float> coarseSimilarities, Span<float> scores)
    {
        int n = targetSelfSimilarities.Length;
        if (coarseSimilarities.Length != n || (querySelfSimilarity.Length != n && querySelfSimilarity.Length != 1) || scores.Length < n)
            throw new ArgumentException($"expected 1 or {n} query self-similarities, {n} coarse similarities and {n} scores; got {querySelfSimilarity.Length}, {coarseSimilarities.Length}, {scores.Length}");
        int width = _widest, block = Math.Min(n, BlockPairs);
        float[] rented = ArrayPool<float>.Shared.Rent(block * 3 + 2 * block * width);
        try
        {
            for (int start = 0; start < n; start += BlockPairs)
            {
                int count = Math.Min(BlockPairs, n - start);
                var x = rented.AsSpan(0, count * 3);
                for (int i = 0; i < count; i++)
                {
                    x[3 * i] = querySelfSimilarity.Length == 1 ? querySelfSimilarity[0] : querySelfSimilarity[start + i];
                    x[3 * i + 1] = targetSelfSimilarities[start + i];
                    x[3 * i + 2] = coarseSimilarities[start + i];
                }
                ReadOnlySpan<float> input = x;
                for (int layer = 0; layer < _hidden.Length; layer++)
                {
                    var (linear, norm) = _hidden[layer];
                    // Alternate between two buffers: one holds this layer's input, the other its output.
                    var h = rented.AsSpan(count * 3 + (layer % 2) * count * width, count * linear.OutFeatures);
                    linear.Apply(input, count, h);
                    norm.Apply(h);
                    TensorPrimitives.Max(h, 0f, h); // ReLU; Dropout is the identity in eval mode
                    input = h;
                }
                var result = scores.Slice(start, count);
                _output.Apply(input, count, result);
                TensorPrimitives.Sigmoid(result, result);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private void SelfSimilarity(ReadOnlySpan<float> regions, int t, Span<float> weighted, Span<float> sums, Span<float> similarity)
    {
        int d = Dims;
        _attention.Apply(regions, weighted);
        sums.Clear();
        for (int i = 0; i < t; i++)
        {
            var sum = sums.Slice(i * d, d);
            for (int r = 0; r < Regions; r++) TensorPrimitives.Add(sum, weighted.Slice((i * Regions + r) * d, d), sum);
        }
        Gemm.MultiplyTransposed(sums, sums, similarity, t, t, d);
        TensorPrimitives.Divide(similarity, Regions * Regions, similarity);
    }
}
