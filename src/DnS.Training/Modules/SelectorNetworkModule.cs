using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>
/// The selector (reference <c>SelectorNetwork</c>): a self-similarity index per video (its own h-attention
/// <c>attention.*</c>, the mean over all region pairs, the zero-pad comparator <c>visil_head.*</c>, the mean of its
/// raw output — no hardtanh) and an MLP (<c>mlp.model.*</c>) on (query self-sim, target self-sim, coarse similarity)
/// that gives the probability that re-ranking the pair with the fine student pays off.
/// </summary>
public sealed class SelectorNetworkModule : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.Attention)]
    private readonly AttentionModule _attention;
    [ComponentName(Name = StateDictKeys.ComparatorHead)]
    private readonly VideoComparatorModule _comparator;
    [ComponentName(Name = StateDictKeys.SelectorMlp)]
    private readonly SelectorMlpModule _mlp;

    /// <summary>Creates the selector; the defaults are the official configuration.</summary>
    public SelectorNetworkModule(long dims = 512, long hiddenSize = 100, int hiddenLayers = 1, double dropout = 0.5) : base(nameof(SelectorNetworkModule))
    {
        Dims = dims;
        _attention = new AttentionModule(dims);
        _comparator = new VideoComparatorModule(ComparatorPadding.Zero);
        _mlp = new SelectorMlpModule(3, hiddenSize, hiddenLayers, dropout);
        RegisterComponents();
    }

    /// <summary>Region vector size D.</summary>
    public long Dims { get; }

    /// <summary>The zero-pad comparator (<c>visil_head</c>).</summary>
    public VideoComparatorModule Comparator => _comparator;

    /// <summary>The self-similarity matrix [B, T, T] of region batches [B, T, R, D]: mean over all R² region pairs.</summary>
    public Tensor FrameToFrame(Tensor regions)
    {
        var x = _attention.forward(regions);
        return Chamfer.RegionSimilarities(x, x).mean([2, 3]);
    }

    /// <summary>The self-similarity index [B] of region batches [B, T, R, D].</summary>
    public Tensor IndexVideo(Tensor regions) => _comparator.forward(FrameTiling.Tile(FrameToFrame(regions))).mean([1, 2]);

    /// <summary>
    /// The self-similarity index [B] of zero-padded region batches, as the reference computes it with masks:
    /// <paramref name="validFrames"/> [B, T] (bool) marks real frames; the comparator is masked and the score is the
    /// mean over its valid output cells.
    /// </summary>
    public Tensor IndexVideo(Tensor regions, Tensor validFrames)
    {
        var valid = validFrames.unsqueeze(2).logical_and(validFrames.unsqueeze(1));
        var f2f = FrameToFrame(regions).masked_fill(valid.logical_not(), FillValues.Zero);
        var (raw, pooledValid) = _comparator.ForwardMasked(f2f, valid);
        return raw.masked_fill(pooledValid.logical_not(), FillValues.Zero).sum([1, 2]) / pooledValid.sum([1, 2]).to_type(raw.dtype);
    }

    /// <summary>Probabilities [N, 1] for triples [N, 3] = (query self-sim, target self-sim, coarse similarity).</summary>
    public override Tensor forward(Tensor triples) => _mlp.forward(triples);
}
