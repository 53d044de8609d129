using System.Buffers;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The DnS fine-grained student (reference <c>model.students.FineGrainedStudent</c>) in its three variants.
/// Index time turns T×R×D region features into <see cref="FineFeatures"/>; query time computes
/// frame-to-frame chamfer (float) or Hamming chamfer (binary) → video comparator → hardtanh → video chamfer.
/// Immutable after loading; <see cref="IndexVideo"/> and <see cref="Similarity"/> are safe to call concurrently.
/// </summary>
/// <remarks>
/// <para>Weights (PyTorch names): <c>attention.transform.weight/bias</c> and <c>attention.context_vector.weight</c>
/// (Attention), <c>binarization.W</c> [D, bits] (Binary), and the comparator <c>visil_head.conv1..3/fconv.weight/bias</c>.</para>
/// <para>Short videos: the comparator needs 4 frames on each axis; shorter videos are tiled as the reference data loader
/// does (concatenated with themselves until ≥ 4 frames). Long targets are split as in the reference evaluation:
/// chunks of <see cref="TargetChunkFrames"/> frames, chunks shorter than 4 frames after the first are skipped, and the
/// chunk similarities are averaged without weighting.</para>
/// </remarks>
public sealed class FineGrainedStudent
{
    /// <summary>Target frames compared per chunk (the reference evaluation's <c>batch_sz_sim</c>).</summary>
    public const int TargetChunkFrames = 2048;

    // Region rows normalized and projected per GEMM call in the binary index: bounds the scratch buffer.
    private const int BlockRows = 512;

    private readonly Attention? _attention;
    private readonly float[]? _projection; // binarization.W transposed to [bits, D], the B operand of A·Bᵀ

    private FineGrainedStudent(FineGrainedVariant variant, int regions, int dims, int bits, Attention? attention, float[]? projection, VideoComparator? comparator)
    {
        Variant = variant;
        Regions = regions;
        Dims = dims;
        Bits = bits;
        _attention = attention;
        _projection = projection;
        Comparator = comparator;
    }

    /// <summary>Which student this is.</summary>
    public FineGrainedVariant Variant { get; }

    /// <summary>R, regions per frame.</summary>
    public int Regions { get; }

    /// <summary>D, the input region feature size (from the weights, or <see cref="FineGrainedStudentConfig.Dims"/> for the parameter-free variant).</summary>
    public int Dims { get; }

    /// <summary>Bits per region code of the binary variant (the columns of <c>binarization.W</c>); 0 otherwise.</summary>
    public int Bits { get; }

    /// <summary>
    /// The query-time video comparator (zero padding); null when configured without one
    /// (<see cref="FineGrainedStudentConfig.Comparator"/>): the video similarity is then the chamfer of the frame-to-frame matrix.
    /// </summary>
    public VideoComparator? Comparator { get; }

    /// <summary>The variant a state dict holds (binarization, h-attention or neither), checked against <paramref name="expected"/> when given.</summary>
    /// <exception cref="WeightsFormatException">The weights are of another variant than <paramref name="expected"/>.</exception>
    public static FineGrainedVariant VariantOf(ITensorSource source, FineGrainedVariant? expected = null)
    {
        var variant = source.Tensors.ContainsKey(StateDictKeys.BinarizationW) ? FineGrainedVariant.Binary
            : source.Tensors.ContainsKey(StateDictKeys.AttentionTransformWeight) ? FineGrainedVariant.Attention
            : FineGrainedVariant.ParameterFree;
        if (expected is { } configured && configured != variant)
            throw new WeightsFormatException(source.SourceName, $"configured as a {configured} fine-grained student, but the weights are of a {variant} student");
        return variant;
    }

    /// <summary>Builds the student from a state dict, validating every tensor shape up front.</summary>
    /// <exception cref="WeightsFormatException">A tensor is missing, mis-shaped, or the weights are of another variant than configured.</exception>
    public static FineGrainedStudent Load(ITensorSource source, FineGrainedStudentConfig? config = null)
    {
        config ??= new FineGrainedStudentConfig();
        source.RequireOnly("fine-grained student", StateDictKeys.Attention + ".", StateDictKeys.Binarization + ".", StateDictKeys.ComparatorHead + ".");
        var variant = VariantOf(source, config.Variant);
        var comparator = config.Comparator ? VideoComparator.Load(source, StateDictKeys.ComparatorHead + ".", ComparatorPadding.Zero) : null;
        switch (variant)
        {
            case FineGrainedVariant.Binary:
            {
                var info = source.GetInfo(StateDictKeys.BinarizationW);
                source.CheckShape(info, [-1, -1]);
                int dims = info.Shape[0], bits = info.Shape[1];
                var w = source.ReadFloats(StateDictKeys.BinarizationW, dims, bits);
                var transposed = new float[w.Length];
                for (int i = 0; i < dims; i++)
                    for (int j = 0; j < bits; j++)
                        transposed[j * dims + i] = w[i * bits + j];
                return new FineGrainedStudent(variant, config.Regions, dims, bits, null, transposed, comparator);
            }
            case FineGrainedVariant.Attention:
            {
                var attention = Attention.Load(source);
                return new FineGrainedStudent(variant, config.Regions, attention.Dims, 0, attention, null, comparator);
            }
            default:
                return new FineGrainedStudent(variant, config.Regions, config.Dims, 0, null, null, comparator);
        }
    }

    /// <summary>Indexes a video (reference <c>index_video</c>): attention-weighted floats, packed sign codes, or the input itself.</summary>
    /// <param name="regions">T×R×D region features (T ≥ 1), row-major.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of R×D frames.</exception>
    public FineFeatures IndexVideo(ReadOnlySpan<float> regions)
    {
        int dims = Dims;
        int frames = VectorMath.Rows(regions.Length, Regions * dims, nameof(regions), $"T×{Regions}×{dims}");
        if (frames == 0) throw new ArgumentException("a video needs at least one frame", nameof(regions));
        switch (Variant)
        {
            case FineGrainedVariant.Attention:
            {
                var weighted = GC.AllocateUninitializedArray<float>(regions.Length); // fully overwritten: skip zeroing
                _attention!.Apply(regions, weighted);
                return FineFeatures.Own(weighted, frames, Regions, dims);
            }
            case FineGrainedVariant.Binary:
                return FineFeatures.Own(Binarize(regions, frames * Regions), frames, Regions, Bits);
            default:
                return FineFeatures.Own(regions.ToArray(), frames, Regions, dims);
        }
    }

    /// <summary>The Tq×Tt frame-to-frame matrix (reference <c>frame_to_frame_similarity</c>, already divided by the bits for binary codes).</summary>
    /// <exception cref="ArgumentException">The features do not belong to this student or the destination is too short.</exception>
    public void FrameToFrame(FineFeatures query, FineFeatures target, Span<float> similarity)
    {
        CheckFeatures(query, nameof(query));
        CheckFeatures(target, nameof(target));
        if (similarity.Length < query.Frames * target.Frames)
            throw new ArgumentException($"similarity needs {query.Frames}×{target.Frames} floats, got {similarity.Length}", nameof(similarity));
        FrameToFrame(query, target, 0, target.Frames, similarity[..(query.Frames * target.Frames)]);
    }

    /// <summary>
    /// The asymmetric video similarity of a query to a target (reference <c>calculate_video_similarity</c>), in
    /// [−1, 1]. Short videos are tiled and long targets chunked as described on the type.
    /// </summary>
    /// <exception cref="ArgumentException">The features do not belong to this student.</exception>
    public float Similarity(FineFeatures query, FineFeatures target)
    {
        CheckFeatures(query, nameof(query));
        CheckFeatures(target, nameof(target));
        int chunkFrames = Math.Min(target.Frames, TargetChunkFrames);
        float[] f2f = ArrayPool<float>.Shared.Rent(query.Frames * chunkFrames);
        try
        {
            float sum = 0;
            int chunks = 0;
            for (int start = 0; start < target.Frames; start += TargetChunkFrames)
            {
                int count = Math.Min(TargetChunkFrames, target.Frames - start);
                if (start > 0 && count < VideoComparator.MinimumFrames) continue;
                var s = f2f.AsSpan(0, query.Frames * count);
                FrameToFrame(query, target, start, count, s);
                sum += ComparatorHead.Similarity(Comparator, s, query.Frames, count, symmetric: false);
                chunks++;
            }
            return sum / chunks;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(f2f);
        }
    }

    private void FrameToFrame(FineFeatures query, FineFeatures target, int startFrame, int frames, Span<float> similarity)
    {
        if (target.IsBinary)
        {
            int frameWords = Regions * HammingKernel.WordsPerCode(Bits);
            HammingKernel.FrameToFrame(query.Codes, target.Codes.Slice(startFrame * frameWords, frames * frameWords), Regions, Bits, similarity);
        }
        else
        {
            int frameFloats = Regions * target.Dims;
            ChamferKernel.FrameToFrame(query.Values, target.Values.Slice(startFrame * frameFloats, frames * frameFloats), Regions, target.Dims, similarity);
        }
    }

    // sign(normalize(x)·W) packed as bits; torch.sign(0) = 0 has no bit, an exact zero projection packs as −1.
    private ulong[] Binarize(ReadOnlySpan<float> regions, int rows)
    {
        int dims = Dims, words = HammingKernel.WordsPerCode(Bits);
        var codes = new ulong[rows * words];
        int block = Math.Min(rows, BlockRows);
        float[] scratch = ArrayPool<float>.Shared.Rent(block * (dims + Bits));
        try
        {
            for (int start = 0; start < rows; start += BlockRows)
            {
                int count = Math.Min(BlockRows, rows - start);
                var normalized = scratch.AsSpan(0, count * dims);
                var projected = scratch.AsSpan(count * dims, count * Bits);
                regions.Slice(start * dims, count * dims).CopyTo(normalized);
                for (int r = 0; r < count; r++) VectorMath.L2Normalize(normalized.Slice(r * dims, dims));
                Gemm.MultiplyTransposed(normalized, _projection, projected, count, Bits, dims);
                HammingKernel.PackSigns(projected, Bits, codes.AsSpan(start * words, count * words));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
        return codes;
    }

    private void CheckFeatures(FineFeatures features, string parameter)
    {
        bool binary = Variant == FineGrainedVariant.Binary;
        if (features.IsBinary != binary)
            throw new ArgumentException($"{parameter} holds {(features.IsBinary ? "binary codes" : "floats")}, but this is a {Variant} student", parameter);
        if (features.Regions != Regions)
            throw new ArgumentException($"{parameter} has {features.Regions} regions per frame, the student expects {Regions}", parameter);
        int expected = binary ? Bits : Dims;
        if (features.Dims != expected)
            throw new ArgumentException($"{parameter} has {features.Dims} {(binary ? "bits" : "dims")} per region, the student expects {expected}", parameter);
        if (features.Frames == 0)
            throw new ArgumentException($"{parameter} has no frames", parameter);
    }
}
