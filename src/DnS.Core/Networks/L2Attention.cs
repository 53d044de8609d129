using System.Numerics.Tensors;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The ViSiL teacher's l2-attention (reference <c>Attention(dims, norm=True)</c>): <c>a = (c·x)/2 + 0.5</c>, no
/// transform, no sigmoid; c = <c>{prefix}context_vector.weight</c> [1, D] is used as stored (its unit norm is a
/// training-time constraint). Immutable and thread-safe.
/// </summary>
public sealed class L2Attention
{
    private readonly float[] _context;

    private L2Attention(float[] context) => _context = context;

    /// <summary>D, the region feature size.</summary>
    public int Dims => _context.Length;

    /// <summary>Loads <c>{prefix}context_vector.weight</c>; <paramref name="dims"/> -1 infers D.</summary>
    /// <exception cref="WeightsFormatException">The tensor is missing or has the wrong shape.</exception>
    public static L2Attention Load(ITensorSource source, string prefix = StateDictKeys.Attention + ".", int dims = -1) =>
        new(source.ReadFloats(StateDictKeys.Child(prefix, StateDictKeys.ContextVector) + StateDictKeys.Weight, 1, dims));

    /// <summary>Weights every region vector: <paramref name="weighted"/> = x·a, and optionally the weights a themselves.</summary>
    /// <param name="regions">N region vectors of <see cref="Dims"/> floats.</param>
    /// <param name="weighted">Destination for N×D floats (may be the same memory as <paramref name="regions"/>).</param>
    /// <param name="weights">Destination for the N weights, or empty to skip them.</param>
    public void Apply(ReadOnlySpan<float> regions, Span<float> weighted, Span<float> weights = default)
    {
        int d = Dims;
        int rows = VectorMath.Rows(regions.Length, d, nameof(regions), "region");
        if (weighted.Length < regions.Length) throw new ArgumentException($"weighted needs {regions.Length} floats, got {weighted.Length}", nameof(weighted));
        if (!weights.IsEmpty && weights.Length < rows) throw new ArgumentException($"weights needs {rows} floats, got {weights.Length}", nameof(weights));
        for (int r = 0; r < rows; r++)
        {
            var x = regions.Slice(r * d, d);
            float a = TensorPrimitives.Dot(x, _context) / 2f + 0.5f;
            TensorPrimitives.Multiply(x, a, weighted.Slice(r * d, d));
            if (!weights.IsEmpty) weights[r] = a;
        }
    }
}
