using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using DnS.Core.Kernels;
using DnS.Core.Weights;

namespace DnS.Core.Features.Whitening;

/// <summary>
/// PCA whitening of region vectors (reference <c>model.layers.PCA</c>): y = normalize((x − mean)·DVt), with
/// DVt = V[:, idx]·diag(1/√(d[idx] + 1e-7)) built from the eigenvalues d and eigenvectors V of the region
/// covariance, idx the <see cref="Components"/> largest eigenvalues in descending order.
/// </summary>
/// <remarks>
/// File format (safetensors): <c>mean</c> F32 [D] and <c>DVt</c> F32 [D, n] — the reference module's
/// state_dict keys. <see cref="Load(string, int?)"/> also accepts a whitening dict <c>d</c> [D], <c>V</c> [D, D],
/// <c>mean</c> [D] (the reference's PCA source file). Instances are immutable and thread-safe.
/// </remarks>
public sealed class PcaWhitening
{
    /// <summary>Added to each eigenvalue before 1/√d, as the reference does, so null directions stay finite.</summary>
    public const double EigenvalueEpsilon = 1e-7;

    /// <summary>Tensor name of the mean, [D].</summary>
    public const string MeanTensor = "mean";

    /// <summary>Tensor name of the projection DVt, [D, n].</summary>
    public const string ProjectionTensor = "DVt";

    /// <summary>Tensor name of the eigenvalues in a whitening dict, [D].</summary>
    public const string EigenvaluesTensor = "d";

    /// <summary>Tensor name of the eigenvectors (columns) in a whitening dict, [D, D].</summary>
    public const string EigenvectorsTensor = "V";

    /// <summary>Rows centered per projection call: bounds the pooled scratch to RowBlock·D floats.</summary>
    private const int RowBlock = 64;

    private readonly float[] _mean;
    private readonly float[] _projectionT; // DVtᵀ, [n, D] row-major: the B of Gemm's A·Bᵀ

    /// <summary>Creates the whitening from a mean [D] and a projection DVt [D, n] (row-major; both copied).</summary>
    /// <exception cref="ArgumentException">The lengths do not match D and D·n.</exception>
    public PcaWhitening(ReadOnlySpan<float> mean, ReadOnlySpan<float> projection, int components)
    {
        int d = mean.Length;
        if (d == 0 || components < 1 || projection.Length != (long)d * components)
            throw new ArgumentException($"projection DVt has {projection.Length} floats, expected [D, n] = [{d}, {components}] = {(long)d * components}", nameof(projection));
        _mean = mean.ToArray();
        _projectionT = new float[d * components];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < components; j++)
                _projectionT[j * d + i] = projection[i * components + j];
        Dimensions = d;
        Components = components;
    }

    /// <summary>Input dimensions D.</summary>
    public int Dimensions { get; }

    /// <summary>Output dimensions n (kept components).</summary>
    public int Components { get; }

    /// <summary>The mean subtracted before projecting, [D].</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>The projection DVt as [D, n] row-major (a copy).</summary>
    public float[] GetProjection()
    {
        var dvt = new float[Dimensions * Components];
        for (int i = 0; i < Dimensions; i++)
            for (int j = 0; j < Components; j++)
                dvt[i * Components + j] = _projectionT[j * Dimensions + i];
        return dvt;
    }

    /// <summary>
    /// Builds the whitening from eigenvalues <paramref name="eigenvalues"/> [D], eigenvectors
    /// <paramref name="eigenvectors"/> [D, D] (column k belongs to eigenvalue k) and the mean, keeping the
    /// <paramref name="components"/> largest eigenvalues (reference <c>PCA.__init__</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths do not match, or components is outside 1..D.</exception>
    public static PcaWhitening FromEigen(ReadOnlySpan<float> eigenvalues, ReadOnlySpan<float> eigenvectors, ReadOnlySpan<float> mean, int components)
    {
        int d = eigenvalues.Length;
        if (mean.Length != d || eigenvectors.Length != (long)d * d)
            throw new ArgumentException($"whitening dict shapes disagree: d [{d}], V has {eigenvectors.Length} floats (expected [{d}, {d}]), mean [{mean.Length}]");
        if (components < 1 || components > d)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"components must be in 1..{d}");
        var values = new double[d];
        for (int i = 0; i < d; i++) values[i] = eigenvalues[i];
        var v = eigenvectors.ToArray();
        return FromEigen(values, (row, col) => v[row * d + col], mean.ToArray(), components);
    }

    /// <summary>
    /// The reference construction idx = argsort(d, desc)[:n], DVt = V[:, idx]·diag(1/√(d[idx] + 1e-7)), shared by
    /// file loading and <see cref="PcaTrainer"/>. Negative eigenvalues (rounding noise of null directions) clamp to 0.
    /// </summary>
    internal static PcaWhitening FromEigen(double[] eigenvalues, Func<int, int, double> eigenvector, float[] mean, int components)
    {
        int d = eigenvalues.Length;
        int[] order = DescendingOrder(eigenvalues);
        var dvt = new float[d * components];
        for (int j = 0; j < components; j++)
        {
            int col = order[j];
            double scale = 1.0 / Math.Sqrt(Math.Max(eigenvalues[col], 0) + EigenvalueEpsilon);
            for (int i = 0; i < d; i++) dvt[i * components + j] = (float)(eigenvector(i, col) * scale);
        }
        return new PcaWhitening(mean, dvt, components);
    }

    /// <summary>
    /// Loads a whitening file: <c>mean</c> + <c>DVt</c> (optionally keeping only the first
    /// <paramref name="components"/> columns, which are the largest-eigenvalue ones), or a whitening dict
    /// <c>d</c> + <c>V</c> + <c>mean</c> (keeping <paramref name="components"/>, default all).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFormatException">The file lacks the tensors, or their shapes disagree.</exception>
    public static PcaWhitening Load(string path, int? components = null)
    {
        using var file = SafeTensorsFile.Open(path);
        return Load(file, components);
    }

    /// <summary>Loads from any tensor source; <paramref name="prefix"/> is prepended to the tensor names (e.g. <c>"white."</c>).</summary>
    /// <exception cref="WeightsFormatException">The source lacks the tensors, or their shapes disagree.</exception>
    public static PcaWhitening Load(ITensorSource source, int? components = null, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(source);
        var meanInfo = source.GetInfo(prefix + MeanTensor);
        if (meanInfo.Shape.Length != 1)
            throw new WeightsFormatException(source.SourceName, $"tensor '{prefix + MeanTensor}' has shape {meanInfo.ShapeText}, expected [D]", meanInfo.Name);
        int d = meanInfo.Shape[0];
        var mean = source.ReadFloats(prefix + MeanTensor, d);
        if (source.Tensors.ContainsKey(prefix + ProjectionTensor))
        {
            var dvt = source.ReadFloats(prefix + ProjectionTensor, d, -1);
            int available = dvt.Length / d;
            int keep = components ?? available;
            if (keep < 1 || keep > available)
                throw new WeightsFormatException(source.SourceName, $"asked for {keep} components, tensor '{prefix + ProjectionTensor}' of shape [{d}, {available}] has {available}", prefix + ProjectionTensor);
            if (keep == available) return new PcaWhitening(mean, dvt, keep);
            var kept = new float[d * keep];
            for (int i = 0; i < d; i++) dvt.AsSpan(i * available, keep).CopyTo(kept.AsSpan(i * keep));
            return new PcaWhitening(mean, kept, keep);
        }
        if (!source.Tensors.ContainsKey(prefix + EigenvaluesTensor))
            throw new WeightsFormatException(source.SourceName, $"neither '{prefix + ProjectionTensor}' nor a whitening dict ('{prefix + EigenvaluesTensor}', '{prefix + EigenvectorsTensor}') is present", prefix + ProjectionTensor);
        var eigenvalues = source.ReadFloats(prefix + EigenvaluesTensor, d);
        var eigenvectors = source.ReadFloats(prefix + EigenvectorsTensor, d, d);
        int n = components ?? d;
        if (n < 1 || n > d)
            throw new WeightsFormatException(source.SourceName, $"asked for {n} components, the whitening dict has {d}", prefix + EigenvaluesTensor);
        return FromEigen(eigenvalues, eigenvectors, mean, n);
    }

    /// <summary>Saves as safetensors (<c>mean</c> [D], <c>DVt</c> [D, n]), written atomically.</summary>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default)
        => new SafeTensorsWriter()
            .Add(MeanTensor, _mean, Dimensions)
            .Add(ProjectionTensor, GetProjection(), Dimensions, Components)
            .SetMetadata("format", "dns-pca-whitening")
            .SetMetadata("components", Components.ToString(CultureInfo.InvariantCulture))
            .WriteAsync(path, cancellationToken);

    /// <summary>
    /// y = normalize((x − mean)·DVt) per row: <paramref name="vectors"/> is m×D, <paramref name="destination"/> m×n.
    /// The input is not modified (the reference subtracts the mean in place; this does not).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths are not multiples of D and n for the same m.</exception>
    public void Whiten(ReadOnlySpan<float> vectors, Span<float> destination)
    {
        Project(vectors, destination);
        for (int r = 0; r < destination.Length / Components; r++)
            L2Normalization.Normalize(destination.Slice(r * Components, Components));
    }

    /// <summary>The unnormalized whitening (x − mean)·DVt per row (m×D in, m×n out); whitened data has identity covariance.</summary>
    /// <exception cref="ArgumentException">Lengths are not multiples of D and n for the same m.</exception>
    public void Project(ReadOnlySpan<float> vectors, Span<float> destination)
    {
        int d = Dimensions, n = Components;
        if (vectors.Length % d != 0 || destination.Length != vectors.Length / d * n)
            throw new ArgumentException($"vectors have {vectors.Length} floats and destination {destination.Length}; expected m·{d} and m·{n}", nameof(destination));
        int rows = vectors.Length / d;
        float[] centered = ArrayPool<float>.Shared.Rent(Math.Min(rows, RowBlock) * d);
        try
        {
            for (int start = 0; start < rows; start += RowBlock)
            {
                int m = Math.Min(RowBlock, rows - start);
                var block = centered.AsSpan(0, m * d);
                for (int r = 0; r < m; r++)
                    TensorPrimitives.Subtract(vectors.Slice((start + r) * d, d), _mean, block.Slice(r * d, d));
                Gemm.MultiplyTransposed(block, _projectionT, destination.Slice(start * n, m * n), m, n, d);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(centered);
        }
    }

    /// <summary>Indices sorting <paramref name="values"/> descending; ties keep the lower index first (stable).</summary>
    internal static int[] DescendingOrder(double[] values)
    {
        var order = new int[values.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => values[y].CompareTo(values[x]) is var c && c != 0 ? c : x.CompareTo(y));
        return order;
    }
}
