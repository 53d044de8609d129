using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The reference <c>NetVLAD</c> with each frame as one descriptor: soft assignment softmax_k(⟨conv.weight[k], x_t⟩),
/// residuals V[k] = Σ_t a[k,t](x_t − centroids[k]), intra- and global L2 normalization, optional reduction
/// (<c>reduction_layer.weight</c>, no bias) and LayerNorm. <c>conv.weight</c> and <c>centroids</c> are separate
/// parameters (equal only at initialization).
/// </summary>
internal sealed class NetVlad
{
    private readonly LinearLayer _assignment;
    private readonly float[] _centroids;
    private readonly float[]? _reduction;
    private readonly LayerNorm _norm;

    private NetVlad(LinearLayer assignment, float[] centroids, float[]? reduction, LayerNorm norm, int clusters, int dims, int outDims)
    {
        (_assignment, _centroids, _reduction, _norm) = (assignment, centroids, reduction, norm);
        (Clusters, Dims, OutDims) = (clusters, dims, outDims);
    }

    public int Clusters { get; }

    public int Dims { get; }

    public int OutDims { get; }

    public static NetVlad Load(ITensorSource source, string prefix, int dims)
    {
        var centroidsInfo = source.GetInfo(prefix + StateDictKeys.Centroids);
        source.CheckShape(centroidsInfo, [-1, dims]);
        int clusters = centroidsInfo.Shape[0];
        var centroids = source.ReadFloats(prefix + StateDictKeys.Centroids, clusters, dims);
        var assignment = LinearLayer.FromWeights(source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Assignment) + StateDictKeys.Weight, clusters, dims, 1, 1), null, clusters, dims);
        float[]? reduction = null;
        int outDims = clusters * dims;
        if (source.Tensors.TryGetValue(StateDictKeys.Child(prefix, StateDictKeys.Reduction) + StateDictKeys.Weight, out var reductionInfo))
        {
            source.CheckShape(reductionInfo, [-1, clusters * dims]);
            outDims = reductionInfo.Shape[0];
            reduction = source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.Reduction) + StateDictKeys.Weight, outDims, clusters * dims);
        }
        return new NetVlad(assignment, centroids, reduction, LayerNorm.Load(source, StateDictKeys.Child(prefix, StateDictKeys.Norm), outDims), clusters, dims, outDims);
    }

    /// <summary>Size of the normalized VLAD descriptor before the reduction: K·D.</summary>
    public int DescriptorDims => Clusters * Dims;

    /// <summary>Aggregates T frames of D floats into <see cref="OutDims"/> floats (before the student's final L2).</summary>
    public void Apply(ReadOnlySpan<float> frames, int t, Span<float> output)
    {
        float[] rented = ArrayPool<float>.Shared.Rent(DescriptorDims);
        try
        {
            var vlad = rented.AsSpan(0, DescriptorDims);
            Describe(frames, t, vlad);
            Project(vlad, 1, output);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Soft assignment, residuals, intra- and global L2: the K·D descriptor of one video.</summary>
    public void Describe(ReadOnlySpan<float> frames, int t, Span<float> vlad)
    {
        int k = Clusters, d = Dims;
        float[] rented = ArrayPool<float>.Shared.Rent(t * k + d);
        try
        {
            var assign = rented.AsSpan(0, t * k);
            var residual = rented.AsSpan(t * k, d);
            _assignment.Apply(frames, t, assign);
            for (int i = 0; i < t; i++)
            {
                var a = assign.Slice(i * k, k);
                TensorPrimitives.SoftMax(a, a);
            }
            vlad = vlad[..DescriptorDims];
            vlad.Clear();
            for (int c = 0; c < k; c++)
            {
                var centroid = _centroids.AsSpan(c * d, d);
                var v = vlad.Slice(c * d, d);
                for (int i = 0; i < t; i++)
                {
                    TensorPrimitives.Subtract(frames.Slice(i * d, d), centroid, residual);
                    TensorPrimitives.MultiplyAdd(residual, assign[i * k + c], v, v);
                }
                VectorMath.L2Normalize(v); // intra-normalization
            }
            VectorMath.L2Normalize(vlad);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Reduction and LayerNorm of <paramref name="count"/> descriptors at once: one GEMM reads the (official: 134 MB)
    /// reduction matrix once for the whole batch instead of once per video.
    /// </summary>
    public void Project(ReadOnlySpan<float> vlads, int count, Span<float> output)
    {
        var descriptors = vlads[..(count * DescriptorDims)];
        var result = output[..(count * OutDims)];
        if (_reduction is null) descriptors.CopyTo(result);
        else if (count == 1) DotKernel.OneVsMany(descriptors, _reduction, result);
        else Gemm.MultiplyTransposed(descriptors, _reduction, result, count, OutDims, DescriptorDims);
        _norm.Apply(result);
    }
}
