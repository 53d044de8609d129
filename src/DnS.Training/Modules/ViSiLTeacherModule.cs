using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>
/// The ViSiL teacher head (MKLab-ITI/visil <c>ViSiLHead</c>): L2-attention (<c>attention.context_vector.weight</c>),
/// Chamfer f2f, the replicate-pad comparator (<c>video_comperator.*</c>, the reference's spelling), hardtanh and the
/// video Chamfer; the symmetric variant averages both directions at both levels. Either module may be absent.
/// </summary>
public sealed class ViSiLTeacherModule : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.Attention)]
    private readonly L2AttentionModule? _attention;
    [ComponentName(Name = StateDictKeys.TeacherComparator)]
    private readonly VideoComparatorModule? _comparator;

    /// <summary>Creates the head.</summary>
    /// <param name="dims">Region vector size (3840 for <c>visil.pth</c>, 512 for <c>visil_symmetric.pth</c>).</param>
    /// <param name="attention">Whether the head weights regions by L2-attention.</param>
    /// <param name="comparator">Whether the head refines f2f with the comparator CNN.</param>
    /// <param name="symmetric">Average both Chamfer directions.</param>
    public ViSiLTeacherModule(long dims = 3840, bool attention = true, bool comparator = true, bool symmetric = false) : base(nameof(ViSiLTeacherModule))
    {
        Symmetric = symmetric;
        if (attention)
        {
            _attention = new L2AttentionModule(dims);
        }
        if (comparator)
        {
            _comparator = new VideoComparatorModule(ComparatorPadding.Replicate);
        }
        RegisterComponents();
    }

    /// <summary>The L2-attention layer, or null.</summary>
    public L2AttentionModule? Attention => _attention;

    /// <summary>The replicate-pad comparator, or null.</summary>
    public VideoComparatorModule? Comparator => _comparator;

    /// <summary>Whether both Chamfer directions are averaged.</summary>
    public bool Symmetric { get; }

    /// <summary>Prepared features: the attention-weighted regions (unchanged without attention).</summary>
    public Tensor IndexVideo(Tensor regions) => _attention is null ? regions : _attention.forward(regions);

    /// <summary>The frame-to-frame matrix [B, Tq, Tt] of prepared batches.</summary>
    public Tensor FrameToFrame(Tensor query, Tensor target)
        => Symmetric ? Chamfer.SymmetricFrameToFrame(query, target) : Chamfer.FrameToFrame(query, target);

    /// <summary>hardtanh(comparator(f2f)), or f2f itself without a comparator.</summary>
    public Tensor SimilarityMatrix(Tensor query, Tensor target)
    {
        var f2f = FrameToFrame(query, target);
        var raw = RawComparator(f2f);
        return raw is null ? f2f : VideoComparatorModule.HardTanh(raw);
    }

    /// <summary>
    /// The comparator's raw scores (before hardtanh, what the similarity regularization sees) for f2f matrices
    /// [B, Tq, Tt], tiled when shorter than 4 frames; null without a comparator.
    /// </summary>
    public Tensor? RawComparator(Tensor f2f) => _comparator?.forward(FrameTiling.Tile(f2f));

    /// <summary>The video-level Chamfer [B] of similarity matrices [B, Tq', Tt'] (both directions averaged when symmetric).</summary>
    public Tensor VideoSimilarity(Tensor matrix) => Symmetric ? Chamfer.SymmetricVideo(matrix) : Chamfer.Video(matrix);

    /// <summary>The video similarity [B] of prepared batches.</summary>
    public Tensor Similarity(Tensor query, Tensor target) => VideoSimilarity(SimilarityMatrix(query, target));

    /// <summary>The video similarity [B] of raw region batches.</summary>
    public override Tensor forward(Tensor queryRegions, Tensor targetRegions)
        => Similarity(IndexVideo(queryRegions), IndexVideo(targetRegions));
}
