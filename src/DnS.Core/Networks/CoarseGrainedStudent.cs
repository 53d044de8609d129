using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The DnS coarse-grained student (reference <c>model.students.CoarseGrainedStudent</c>): one L2-normalized vector
/// per video, compared by dot product. Index: h-attention → sum over regions → L2 → Transformer encoder (post-norm
/// layers + final LayerNorm) → NetVLAD → L2. Every module is optional; with all off the frames are mean-pooled.
/// Immutable after loading; <see cref="IndexVideo"/> is safe to call concurrently.
/// </summary>
/// <remarks>
/// Weights (PyTorch names): <c>attention.*</c>; <c>transformer.layers.{i}.self_attn.in_proj_weight/in_proj_bias</c>,
/// <c>.self_attn.out_proj.*</c>, <c>.linear1.*</c>, <c>.linear2.*</c>, <c>.norm1.*</c>, <c>.norm2.*</c> and
/// <c>transformer.norm.*</c>; <c>netvlad.centroids</c>, <c>netvlad.conv.weight</c>, <c>netvlad.reduction_layer.weight</c>,
/// <c>netvlad.norm.*</c>. Padded batches are not needed: each video is indexed at its own length, which the reference's
/// masked batch reproduces.
/// </remarks>
public sealed class CoarseGrainedStudent
{
    private readonly Attention? _attention;
    private readonly TransformerEncoderLayer[] _layers;
    private readonly LayerNorm? _finalNorm;
    private readonly NetVlad? _netVlad;

    private CoarseGrainedStudent(int dims, int regions, Attention? attention, TransformerEncoderLayer[] layers, LayerNorm? finalNorm, NetVlad? netVlad)
    {
        Dims = dims;
        Regions = regions;
        _attention = attention;
        _layers = layers;
        _finalNorm = finalNorm;
        _netVlad = netVlad;
    }

    /// <summary>D, the input region feature size.</summary>
    public int Dims { get; }

    /// <summary>R, regions per frame.</summary>
    public int Regions { get; }

    /// <summary>Size of the video vector (NetVLAD's output size, or D when mean-pooling).</summary>
    public int OutputDims => _netVlad?.OutDims ?? Dims;

    /// <summary>Number of Transformer encoder layers (0 when the Transformer is off).</summary>
    public int TransformerLayers => _layers.Length;

    /// <summary>True when the h-attention module is on.</summary>
    public bool HasAttention => _attention is not null;

    /// <summary>True when NetVLAD aggregates the frames (otherwise they are mean-pooled).</summary>
    public bool HasNetVlad => _netVlad is not null;

    /// <summary>Builds the student from a state dict, validating every tensor shape up front.</summary>
    /// <param name="source">The state dict.</param>
    /// <param name="config">Head count and module flags; null uses the defaults (8 heads, modules as in the weights).</param>
    /// <param name="dims">D when no module holds it (all off); ignored otherwise.</param>
    /// <exception cref="WeightsFormatException">A tensor is missing or mis-shaped, or a module contradicts the config.</exception>
    public static CoarseGrainedStudent Load(ITensorSource source, CoarseGrainedStudentConfig? config = null, int dims = 512)
    {
        config ??= new CoarseGrainedStudentConfig();
        source.RequireOnly("coarse-grained student", StateDictKeys.Attention + ".", StateDictKeys.Transformer + ".", StateDictKeys.NetVlad + ".");
        bool useAttention = Module(source, config.Attention, StateDictKeys.AttentionTransformWeight, StateDictKeys.Attention + ".");
        bool useTransformer = Module(source, config.Transformer, InProjectionWeight(0), StateDictKeys.Transformer + ".");
        bool useNetVlad = Module(source, config.NetVlad, StateDictKeys.NetVladCentroids, StateDictKeys.NetVlad + ".");

        var attention = useAttention ? Attention.Load(source) : null;
        if (attention is not null) dims = attention.Dims;
        else if (useTransformer) dims = source.GetInfo(StateDictKeys.Child(StateDictKeys.Child(StateDictKeys.TransformerLayer(0), StateDictKeys.SelfAttention), StateDictKeys.OutProjection) + StateDictKeys.Weight).Shape[0];
        else if (useNetVlad) dims = source.GetInfo(StateDictKeys.NetVladCentroids).Shape[^1];

        var layers = new List<TransformerEncoderLayer>();
        LayerNorm? finalNorm = null;
        if (useTransformer)
        {
            while (source.Tensors.ContainsKey(InProjectionWeight(layers.Count)))
                layers.Add(TransformerEncoderLayer.Load(source, StateDictKeys.TransformerLayer(layers.Count), dims, config.TransformerHeads));
            if (source.Tensors.ContainsKey(StateDictKeys.TransformerNormWeight)) finalNorm = LayerNorm.Load(source, StateDictKeys.Child(StateDictKeys.Transformer + ".", StateDictKeys.Norm), dims);
        }
        var netVlad = useNetVlad ? NetVlad.Load(source, StateDictKeys.NetVlad + ".", dims) : null;
        return new CoarseGrainedStudent(dims, config.Regions, attention, [.. layers], finalNorm, netVlad);
    }

    /// <summary>Indexes a video (reference <c>index_video</c>) into an L2-normalized vector of <see cref="OutputDims"/> floats.</summary>
    /// <param name="regions">T×R×D region features (T ≥ 1), row-major.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of R×D frames.</exception>
    public float[] IndexVideo(ReadOnlySpan<float> regions)
    {
        var frames = PoolFrames(regions);
        int t = frames.Length / Dims;
        Encode(frames, t);
        var result = Aggregate(frames, t);
        VectorMath.L2Normalize(result);
        return result;
    }

    /// <summary>
    /// Indexes several videos at once; each result is <see cref="IndexVideo"/>'s up to float rounding (the batched reduction sums in another order). With NetVLAD's reduction the batch
    /// shares one pass over the reduction matrix (134 MB in the official model), which a per-video index re-reads.
    /// </summary>
    /// <param name="videos">Each video's T×R×D region features (T ≥ 1; lengths may differ).</param>
    /// <exception cref="ArgumentException">A video's length is not a whole number of R×D frames.</exception>
    public float[][] IndexVideos(IReadOnlyList<ReadOnlyMemory<float>> videos)
    {
        ArgumentNullException.ThrowIfNull(videos);
        var results = new float[videos.Count][];
        if (_netVlad is null)
        {
            for (int v = 0; v < videos.Count; v++) results[v] = IndexVideo(videos[v].Span);
            return results;
        }
        int descriptor = _netVlad.DescriptorDims, outDims = OutputDims;
        // Batches of 32 bound the descriptor buffer (32 × K·D floats: 4 MB in the official model).
        const int batch = 32;
        float[] rented = ArrayPool<float>.Shared.Rent(Math.Min(batch, Math.Max(1, videos.Count)) * (descriptor + outDims));
        try
        {
            for (int start = 0; start < videos.Count; start += batch)
            {
                int count = Math.Min(batch, videos.Count - start);
                var vlads = rented.AsSpan(0, count * descriptor);
                var projected = rented.AsSpan(count * descriptor, count * outDims);
                for (int v = 0; v < count; v++)
                {
                    var frames = PoolFrames(videos[start + v].Span);
                    int t = frames.Length / Dims;
                    Encode(frames, t);
                    _netVlad.Describe(frames, t, vlads.Slice(v * descriptor, descriptor));
                }
                _netVlad.Project(vlads, count, projected);
                for (int v = 0; v < count; v++)
                {
                    var result = projected.Slice(v * outDims, outDims).ToArray();
                    VectorMath.L2Normalize(result);
                    results[start + v] = result;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
        return results;
    }

    /// <summary>The coarse similarity of two indexed videos: their dot product.</summary>
    public static float Similarity(ReadOnlySpan<float> query, ReadOnlySpan<float> target) => TensorPrimitives.Dot(query, target);

    /// <summary>Stage 1: attention, sum over regions, L2 per frame → T×D.</summary>
    internal float[] PoolFrames(ReadOnlySpan<float> regions)
    {
        int t = VectorMath.Rows(regions.Length, Regions * Dims, nameof(regions), $"T×{Regions}×{Dims}");
        if (t == 0) throw new ArgumentException("a video needs at least one frame", nameof(regions));
        var frames = new float[t * Dims];
        float[]? weighted = null;
        try
        {
            ReadOnlySpan<float> x = regions;
            if (_attention is not null)
            {
                weighted = ArrayPool<float>.Shared.Rent(regions.Length);
                _attention.Apply(regions, weighted);
                x = weighted.AsSpan(0, regions.Length);
            }
            for (int i = 0; i < t; i++)
            {
                var frame = frames.AsSpan(i * Dims, Dims);
                for (int r = 0; r < Regions; r++) TensorPrimitives.Add(frame, x.Slice((i * Regions + r) * Dims, Dims), frame);
                VectorMath.L2Normalize(frame);
            }
        }
        finally
        {
            if (weighted is not null) ArrayPool<float>.Shared.Return(weighted);
        }
        return frames;
    }

    /// <summary>Stage 2: the Transformer encoder layers and the final LayerNorm, in place on T×D frames.</summary>
    internal void Encode(Span<float> frames, int t)
    {
        foreach (var layer in _layers) layer.Apply(frames, t);
        _finalNorm?.Apply(frames[..(t * Dims)]);
    }

    /// <summary>Stage 3: NetVLAD (before the final L2), or the mean over frames.</summary>
    internal float[] Aggregate(ReadOnlySpan<float> frames, int t)
    {
        var result = new float[OutputDims];
        if (_netVlad is not null)
        {
            _netVlad.Apply(frames, t, result);
            return result;
        }
        for (int i = 0; i < t; i++) TensorPrimitives.Add(result, frames.Slice(i * Dims, Dims), result);
        TensorPrimitives.Divide(result, t, result);
        return result;
    }

    // transformer.layers.{layer}.self_attn.in_proj_weight: present for every encoder layer.
    private static string InProjectionWeight(int layer) =>
        StateDictKeys.Child(StateDictKeys.TransformerLayer(layer), StateDictKeys.SelfAttention) + StateDictKeys.InProjectionWeight;

    private static bool Module(ITensorSource source, bool? flag, string probe, string prefix)
    {
        bool present = source.Tensors.ContainsKey(probe);
        if (flag == false && source.Tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            throw new WeightsFormatException(source.SourceName, $"the config turns '{prefix}' off, but the weights contain it (unexpected key)", probe);
        if (flag == true && !present)
            throw new WeightsFormatException(source.SourceName, $"missing tensor '{probe}' (the config turns '{prefix}' on)", probe);
        return flag ?? present;
    }
}
