using static TorchSharp.torch;

namespace DnS.Training.Distillation;

/// <summary>
/// Iterative quantization (Gong and Lazebnik, CVPR 2011), the binary student's initial projection: PCA of the centered
/// vectors to <see cref="Bits"/> dimensions (a rotation when bits = D), then alternately B = sign(V·R) and R from the
/// SVD of Vᵀ·B (orthogonal Procrustes), which lowers the quantization error ‖B − V·R‖² at every iteration.
/// The projection is W = PCA·R, [D, bits], as <c>binarization.W</c> stores it. The layer has no bias, so the codes
/// it computes are sign(x̂·W) of uncentered vectors; the fit centers them because PCA needs it.
/// </summary>
public sealed class Itq
{
    private Itq(int dims, int bits, float[] projection, double[] errors)
    {
        Dims = dims;
        Bits = bits;
        Projection = projection;
        QuantizationErrors = errors;
    }

    /// <summary>D, the input size.</summary>
    public int Dims { get; }

    /// <summary>The code length.</summary>
    public int Bits { get; }

    /// <summary>W = PCA·R, [D, bits] row-major.</summary>
    public float[] Projection { get; }

    /// <summary>Mean ‖sign(V·R) − V·R‖² per vector: entry 0 at the random start rotation, entry k after iteration k.</summary>
    public IReadOnlyList<double> QuantizationErrors { get; }

    /// <summary>Fits ITQ to <paramref name="vectors"/> [N, D] (rows as given; DnS passes L2-normalized region vectors).</summary>
    /// <param name="vectors">The sample, [N, D] float.</param>
    /// <param name="bits">Code length (≤ D).</param>
    /// <param name="iterations">Rotation updates (50 in the ITQ paper's experiments).</param>
    /// <param name="seed">Seeds the random start rotation.</param>
    /// <exception cref="ArgumentException">The sample is not [N, D] with N ≥ 2, or <paramref name="bits"/> is outside 1..D.</exception>
    public static Itq Fit(Tensor vectors, int bits, int iterations = 50, int seed = 0)
    {
        if (vectors.dim() != 2 || vectors.shape[0] < 2)
            throw new ArgumentException($"the ITQ sample must be [N, D] with N >= 2, got [{string.Join(", ", vectors.shape)}]", nameof(vectors));
        int dims = checked((int)vectors.shape[1]);
        if (bits < 1 || bits > dims) throw new ArgumentOutOfRangeException(nameof(bits), bits, $"ITQ needs 1..D = {dims} bits (PCA cannot add dimensions)");
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);

        using var scope = NewDisposeScope();
        var x = vectors.to_type(ScalarType.Float64);
        var centered = x - x.mean([0], keepdim: true);
        var covariance = centered.t().matmul(centered) / vectors.shape[0];
        var (_, eigenvectors) = linalg.eigh(covariance);
        // eigh sorts eigenvalues ascending: the last columns are the leading components, largest first.
        var pca = eigenvectors.narrow(1, dims - bits, bits).flip(1);
        var v = centered.matmul(pca);

        using var generator = new Generator((ulong)seed);
        var (rotation, _) = linalg.qr(randn([bits, bits], ScalarType.Float64, generator: generator));
        var errors = new double[iterations + 1];
        errors[0] = QuantizationError(v, rotation);
        for (int i = 1; i <= iterations; i++)
        {
            var codes = Sign(v.matmul(rotation));
            var (u, _, vh) = linalg.svd(v.t().matmul(codes), fullMatrices: false);
            rotation = u.matmul(vh);
            errors[i] = QuantizationError(v, rotation);
        }
        var projection = pca.matmul(rotation).to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return new Itq(dims, bits, projection, errors);
    }

    private static double QuantizationError(Tensor v, Tensor rotation)
    {
        var projected = v.matmul(rotation);
        return (Sign(projected) - projected).square().sum().item<double>() / v.shape[0];
    }

    // ±1 with sign(0) = +1, so every code bit is a bit.
    private static Tensor Sign(Tensor x) => x.ge(0).to_type(x.dtype) * 2 - 1;
}
