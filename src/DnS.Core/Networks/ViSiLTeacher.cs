using System.Buffers;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The ViSiL teacher head (reference <c>ViSiLHead</c>, MKLab-ITI/visil branch pytorch): l2-attention at index time;
/// frame-to-frame chamfer → video comparator with replication padding → hardtanh → video chamfer at query time,
/// optionally symmetric. Weights as in <c>visil.pth</c>: <c>attention.context_vector.weight</c> [1, D] and
/// <c>video_comperator.conv1..3/fconv.weight/bias</c>; either module may be absent (<c>attention=False</c>,
/// <c>video_comperator=False</c>). Immutable and thread-safe.
/// </summary>
/// <remarks>Videos shorter than 4 frames are tiled before the comparator, as the DnS data loader does.</remarks>
public sealed class ViSiLTeacher
{
    private readonly L2Attention? _attention;

    private ViSiLTeacher(L2Attention? attention, VideoComparator? comparator, bool symmetric, int regions)
    {
        _attention = attention;
        Comparator = comparator;
        Symmetric = symmetric;
        Regions = regions;
    }

    /// <summary>True when both chamfer steps average their two directions.</summary>
    public bool Symmetric { get; }

    /// <summary>R, regions per frame.</summary>
    public int Regions { get; }

    /// <summary>D from the attention's context vector, or 0 without attention (then any D is accepted).</summary>
    public int Dims => _attention?.Dims ?? 0;

    /// <summary>The comparator (replication padding), or null when the weights have none.</summary>
    public VideoComparator? Comparator { get; }

    /// <summary>Builds the teacher from a <c>ViSiLHead</c> state dict, validating every tensor shape up front.</summary>
    /// <exception cref="WeightsFormatException">A tensor is missing or mis-shaped.</exception>
    public static ViSiLTeacher Load(ITensorSource source, ViSiLTeacherConfig? config = null)
    {
        config ??= new ViSiLTeacherConfig();
        source.RequireOnly("ViSiL head", StateDictKeys.Attention + ".", StateDictKeys.TeacherComparator + ".");
        var attention = source.Tensors.ContainsKey(StateDictKeys.AttentionContextVectorWeight) ? L2Attention.Load(source) : null;
        var comparator = VideoComparator.IsPresent(source, StateDictKeys.TeacherComparator + ".")
            ? VideoComparator.Load(source, StateDictKeys.TeacherComparator + ".", ComparatorPadding.Replicate)
            : null;
        return new ViSiLTeacher(attention, comparator, config.Symmetric, config.Regions);
    }

    /// <summary>Prepares a video's T×R×D regions (reference <c>prepare_tensor</c>): l2-attention weighted, or unchanged.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of R×D frames.</exception>
    public FineFeatures IndexVideo(ReadOnlySpan<float> regions, int dims = 0)
    {
        dims = Dims > 0 ? Dims : dims;
        if (dims <= 0) throw new ArgumentException("the teacher has no attention to infer D from: pass dims", nameof(dims));
        int frames = VectorMath.Rows(regions.Length, Regions * dims, nameof(regions), $"T×{Regions}×{dims}");
        if (frames == 0) throw new ArgumentException("a video needs at least one frame", nameof(regions));
        var prepared = GC.AllocateUninitializedArray<float>(regions.Length); // fully overwritten: skip zeroing
        if (_attention is null) regions.CopyTo(prepared);
        else _attention.Apply(regions, prepared);
        return FineFeatures.Own(prepared, frames, Regions, dims);
    }

    /// <summary>The Tq×Tt frame-to-frame chamfer matrix (symmetric: the mean of both region directions).</summary>
    /// <exception cref="ArgumentException">The features do not match the teacher or the destination is too short.</exception>
    public void FrameToFrame(FineFeatures query, FineFeatures target, Span<float> similarity)
    {
        Check(query, nameof(query));
        Check(target, nameof(target));
        if (target.Dims != query.Dims) throw new ArgumentException($"query has D = {query.Dims}, target D = {target.Dims}", nameof(target));
        int tq = query.Frames, tt = target.Frames;
        if (similarity.Length < tq * tt) throw new ArgumentException($"similarity needs {tq}×{tt} floats, got {similarity.Length}", nameof(similarity));
        var s = similarity[..(tq * tt)];
        ChamferKernel.FrameToFrame(query.Values, target.Values, Regions, query.Dims, s);
        if (!Symmetric) return;

        // The other direction (max over query regions, mean over target regions) is the transposed target→query chamfer.
        float[] reverse = ArrayPool<float>.Shared.Rent(tq * tt);
        try
        {
            ChamferKernel.FrameToFrame(target.Values, query.Values, Regions, query.Dims, reverse.AsSpan(0, tq * tt));
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tt; j++)
                    s[i * tt + j] = (s[i * tt + j] + reverse[j * tq + i]) / 2f;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(reverse);
        }
    }

    /// <summary>The teacher's video similarity (reference <c>ViSiLHead.forward</c>), in [−1, 1] with a comparator.</summary>
    /// <exception cref="ArgumentException">The features do not match the teacher.</exception>
    public float Similarity(FineFeatures query, FineFeatures target)
    {
        int n = query.Frames * target.Frames;
        float[] f2f = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var s = f2f.AsSpan(0, n);
            FrameToFrame(query, target, s);
            return ComparatorHead.Similarity(Comparator, s, query.Frames, target.Frames, Symmetric);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(f2f);
        }
    }

    private void Check(FineFeatures features, string parameter)
    {
        if (features.IsBinary) throw new ArgumentException($"{parameter} holds binary codes; the teacher compares float regions", parameter);
        if (features.Regions != Regions) throw new ArgumentException($"{parameter} has {features.Regions} regions per frame, the teacher expects {Regions}", parameter);
        if (Dims > 0 && features.Dims != Dims) throw new ArgumentException($"{parameter} has D = {features.Dims}, the teacher expects {Dims}", parameter);
        if (features.Frames == 0) throw new ArgumentException($"{parameter} has no frames", parameter);
    }
}
