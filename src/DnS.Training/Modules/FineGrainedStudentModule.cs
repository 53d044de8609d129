using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>
/// The fine-grained student (reference <c>FineGrainedStudent</c>) as a trainable module. Index time:
/// h-attention (<c>attention.*</c>), binarization (<c>binarization.W</c>) or nothing (parameter-free). Query time:
/// Chamfer f2f by einsum (÷ bits for codes), the zero-pad comparator (<c>visil_head.*</c>), hardtanh and the video Chamfer.
/// Inputs are batches of region features [B, T, R, D]; query and target batches pair up by index.
/// </summary>
public sealed class FineGrainedStudentModule : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.Attention)]
    private readonly AttentionModule? _attention;
    [ComponentName(Name = StateDictKeys.Binarization)]
    private readonly BinarizationLayerModule? _binarization;
    [ComponentName(Name = StateDictKeys.ComparatorHead)]
    private readonly VideoComparatorModule _comparator;

    /// <summary>Creates the student.</summary>
    /// <param name="variant">Which index-time layer the student has.</param>
    /// <param name="dims">Region vector size D (512 in DnS).</param>
    /// <param name="bits">Code length of the binary variant (ignored otherwise).</param>
    public FineGrainedStudentModule(FineGrainedVariant variant, long dims = 512, long bits = 512) : base(nameof(FineGrainedStudentModule))
    {
        Variant = variant;
        Dims = dims;
        switch (variant)
        {
            case FineGrainedVariant.Attention:
                _attention = new AttentionModule(dims);
                break;
            case FineGrainedVariant.Binary:
                _binarization = new BinarizationLayerModule(dims, bits);
                break;
        }
        _comparator = new VideoComparatorModule(ComparatorPadding.Zero);
        RegisterComponents();
    }

    /// <summary>The index-time layer.</summary>
    public FineGrainedVariant Variant { get; }

    /// <summary>Region vector size D.</summary>
    public long Dims { get; }

    /// <summary>Code length of the binary variant, else 0.</summary>
    public long Bits => _binarization?.Bits ?? 0;

    /// <summary>The h-attention layer of the attention variant, else null.</summary>
    public AttentionModule? Attention => _attention;

    /// <summary>The binarization layer of the binary variant, else null.</summary>
    public BinarizationLayerModule? Binarization => _binarization;

    /// <summary>The video comparator (<c>visil_head</c>).</summary>
    public VideoComparatorModule Comparator => _comparator;

    /// <summary>Index-time features: [..., D] in, [..., D] (or [..., bits] codes) out.</summary>
    public Tensor IndexVideo(Tensor regions) => Variant switch
    {
        FineGrainedVariant.Attention => _attention!.forward(regions),
        FineGrainedVariant.Binary => _binarization!.forward(regions),
        _ => regions,
    };

    /// <summary>The frame-to-frame matrix [B, Tq, Tt] of indexed query [B, Tq, R, D] and target [B, Tt, R, D] batches.</summary>
    public Tensor FrameToFrame(Tensor query, Tensor target)
    {
        var f2f = Chamfer.FrameToFrame(query, target);
        // ±1 codes: dividing by the code length maps the dot products into [-1, 1], as the reference does.
        return Variant == FineGrainedVariant.Binary ? f2f.div(target.shape[^1]) : f2f;
    }

    /// <summary>hardtanh(comparator(f2f)) [B, Tq', Tt'] of indexed batches; short videos are tiled first.</summary>
    public Tensor SimilarityMatrix(Tensor query, Tensor target)
        => VideoComparatorModule.HardTanh(_comparator.forward(FrameTiling.Tile(FrameToFrame(query, target))));

    /// <summary>The video similarity [B] of indexed batches (max over target rows, mean over query rows).</summary>
    public Tensor Similarity(Tensor query, Tensor target) => Chamfer.Video(SimilarityMatrix(query, target));

    /// <summary>
    /// The video similarity [B] of zero-padded indexed batches, as the reference computes it with masks:
    /// <paramref name="queryValid"/> [B, Tq] and <paramref name="targetValid"/> [B, Tt] (bool) mark real frames. Pooled
    /// cells that straddle the padding are kept, so a padded pair can differ from the same pair unpadded.
    /// </summary>
    public Tensor Similarity(Tensor query, Tensor target, Tensor queryValid, Tensor targetValid)
    {
        var (raw, pooledValid) = MaskedComparator(query, target, queryValid, targetValid);
        return SimilarityOfComparator(raw, pooledValid);
    }

    /// <summary>
    /// The raw comparator output [B, Tq', Tt'] (before hardtanh) of zero-padded indexed batches and its valid cells,
    /// the stage the similarity regularization loss reads; <see cref="SimilarityOfComparator"/> finishes it.
    /// </summary>
    public (Tensor Raw, Tensor Valid) MaskedComparator(Tensor query, Tensor target, Tensor queryValid, Tensor targetValid)
    {
        var valid = queryValid.unsqueeze(2).logical_and(targetValid.unsqueeze(1));
        var f2f = FrameToFrame(query, target).masked_fill(valid.logical_not(), FillValues.Zero);
        return _comparator.ForwardMasked(f2f, valid);
    }

    /// <summary>The video similarity [B] of a raw comparator output and its valid cells (<see cref="MaskedComparator"/>): hardtanh, masked video Chamfer.</summary>
    public static Tensor SimilarityOfComparator(Tensor raw, Tensor valid) => Chamfer.Video(VideoComparatorModule.HardTanh(raw), valid);

    /// <summary>The video similarity [B] of raw region batches: indexes both, then <see cref="Similarity(Tensor, Tensor)"/>.</summary>
    public override Tensor forward(Tensor queryRegions, Tensor targetRegions)
        => Similarity(IndexVideo(queryRegions), IndexVideo(targetRegions));
}
