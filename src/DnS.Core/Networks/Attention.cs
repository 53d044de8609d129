using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The students' h-attention (reference <c>Attention(dims, norm=False)</c>): each region vector x is weighted by
/// <c>a = sigmoid(c · tanh(W x + b))</c>. Weights: <c>{prefix}transform.weight</c> [D, D], <c>{prefix}transform.bias</c> [D],
/// <c>{prefix}context_vector.weight</c> [1, D]. Immutable and thread-safe.
/// </summary>
public sealed class Attention
{
    // Rows transformed per GEMM call: bounds the scratch buffer for long videos.
    private const int BlockRows = 512;

    private readonly LinearLayer _transform;
    private readonly float[] _context;

    private Attention(LinearLayer transform, float[] context)
    {
        _transform = transform;
        _context = context;
    }

    /// <summary>D, the region feature size.</summary>
    public int Dims => _context.Length;

    /// <summary>Loads the attention weights under <paramref name="prefix"/> (e.g. <c>attention.</c>); <paramref name="dims"/> -1 infers D.</summary>
    /// <exception cref="WeightsFormatException">A tensor is missing or has the wrong shape.</exception>
    public static Attention Load(ITensorSource source, string prefix = StateDictKeys.Attention + ".", int dims = -1)
    {
        string transformPrefix = StateDictKeys.Child(prefix, StateDictKeys.Transform);
        var transform = LinearLayer.Load(source, transformPrefix, dims, dims, bias: true);
        if (transform.InFeatures != transform.OutFeatures)
            throw new WeightsFormatException(source.SourceName,
                $"tensor '{transformPrefix}{StateDictKeys.Weight}' has shape [{transform.OutFeatures}, {transform.InFeatures}], expected a square [D, D]",
                transformPrefix + StateDictKeys.Weight);
        var context = source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.ContextVector) + StateDictKeys.Weight, 1, transform.OutFeatures);
        return new Attention(transform, context);
    }

    /// <summary>Weights every region vector: <paramref name="weighted"/> = x·a, and optionally the weights a themselves.</summary>
    /// <param name="regions">N region vectors of <see cref="Dims"/> floats (e.g. T×9×D).</param>
    /// <param name="weighted">Destination for N×D floats (may be the same memory as <paramref name="regions"/>).</param>
    /// <param name="weights">Destination for the N attention weights, or empty to skip them.</param>
    public void Apply(ReadOnlySpan<float> regions, Span<float> weighted, Span<float> weights = default)
    {
        int d = Dims;
        int rows = VectorMath.Rows(regions.Length, d, nameof(regions), "region");
        if (weighted.Length < regions.Length) throw new ArgumentException($"weighted needs {regions.Length} floats, got {weighted.Length}", nameof(weighted));
        if (!weights.IsEmpty && weights.Length < rows) throw new ArgumentException($"weights needs {rows} floats, got {weights.Length}", nameof(weights));

        float[] scratch = ArrayPool<float>.Shared.Rent(Math.Min(rows, BlockRows) * d);
        try
        {
            for (int start = 0; start < rows; start += BlockRows)
            {
                int count = Math.Min(BlockRows, rows - start);
                var x = regions.Slice(start * d, count * d);
                var h = scratch.AsSpan(0, count * d);
                _transform.Apply(x, count, h);
                TensorPrimitives.Tanh(h, h);
                for (int r = 0; r < count; r++)
                {
                    float a = Sigmoid(TensorPrimitives.Dot(h.Slice(r * d, d), _context));
                    TensorPrimitives.Multiply(x.Slice(r * d, d), a, weighted.Slice((start + r) * d, d));
                    if (!weights.IsEmpty) weights[start + r] = a;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
