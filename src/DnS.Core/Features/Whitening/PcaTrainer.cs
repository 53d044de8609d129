using System.Buffers;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace DnS.Core.Features.Whitening;

/// <summary>
/// Learns a <see cref="PcaWhitening"/> from a stream of region vectors: the covariance is accumulated in double
/// precision, a chunk at a time, so memory stays at O(D²) whatever the number of vectors (≈118 MB for D = 3840);
/// <see cref="Fit"/> then eigendecomposes it (Math.NET Numerics, symmetric EVD).
/// </summary>
/// <remarks>
/// The sums are taken about a shift (the first vector seen) rather than zero, so Σ(x−k)(x−k)ᵀ − n·(m−k)(m−k)ᵀ
/// does not cancel catastrophically when the mean is large relative to the spread. Not thread-safe.
/// </remarks>
public sealed class PcaTrainer
{
    /// <summary>Rows converted to double per rank-k update: bounds the scratch to ChunkRows·D doubles.</summary>
    private const int ChunkRows = 64;

    private readonly double[] _shift;
    private readonly double[] _sum;       // Σ(x − shift)
    private readonly double[] _crossSum;  // Σ(x − shift)(x − shift)ᵀ, upper triangle (row i holds columns i..D−1)
    private bool _hasShift;

    /// <summary>Creates a trainer for D-dimensional vectors.</summary>
    /// <exception cref="ArgumentOutOfRangeException">D is below 1.</exception>
    public PcaTrainer(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _shift = new double[dimensions];
        _sum = new double[dimensions];
        _crossSum = new double[(long)dimensions * dimensions];
    }

    /// <summary>Vector dimensions D.</summary>
    public int Dimensions { get; }

    /// <summary>Vectors added so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds m vectors (m·D floats, row-major). Chunks of any size give the same statistics.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of D, or a value is not finite.</exception>
    public void Add(ReadOnlySpan<float> vectors)
    {
        int d = Dimensions;
        if (vectors.Length % d != 0)
            throw new ArgumentException($"got {vectors.Length} floats, not a multiple of D = {d}", nameof(vectors));
        if (!TensorPrimitives.IsFiniteAll(vectors))
            throw new ArgumentException("vectors contain NaN or infinity", nameof(vectors));
        int rows = vectors.Length / d;
        if (rows == 0) return;
        if (!_hasShift)
        {
            for (int i = 0; i < d; i++) _shift[i] = vectors[i];
            _hasShift = true;
        }
        double[] chunk = ArrayPool<double>.Shared.Rent(Math.Min(rows, ChunkRows) * d);
        try
        {
            for (int start = 0; start < rows; start += ChunkRows)
            {
                int m = Math.Min(ChunkRows, rows - start);
                var block = chunk.AsSpan(0, m * d);
                for (int r = 0; r < m; r++)
                {
                    var src = vectors.Slice((start + r) * d, d);
                    var dst = block.Slice(r * d, d);
                    for (int i = 0; i < d; i++) dst[i] = src[i] - _shift[i];
                    TensorPrimitives.Add(_sum, dst, _sum);
                }
                AccumulateUpper(block, m);
            }
            Count += rows;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(chunk);
        }
    }

    /// <summary>The sample mean of the vectors added so far, [D].</summary>
    public double[] Mean()
    {
        EnsureData(1);
        var mean = new double[Dimensions];
        for (int i = 0; i < mean.Length; i++) mean[i] = _shift[i] + _sum[i] / Count;
        return mean;
    }

    /// <summary>The sample covariance (normalized by n − 1), [D, D] row-major.</summary>
    /// <exception cref="InvalidOperationException">Fewer than two vectors were added.</exception>
    public double[] Covariance()
    {
        EnsureData(2);
        int d = Dimensions;
        var cov = new double[(long)d * d];
        double n = Count;
        for (int i = 0; i < d; i++)
        {
            double mi = _sum[i] / n;
            for (int j = i; j < d; j++)
            {
                double v = (_crossSum[(long)i * d + j] - n * mi * (_sum[j] / n)) / (n - 1);
                cov[(long)i * d + j] = v;
                cov[(long)j * d + i] = v;
            }
        }
        return cov;
    }

    /// <summary>
    /// Eigendecomposes the covariance and keeps the <paramref name="components"/> largest eigenvalues:
    /// DVt = V[:, idx]·diag(1/√(d[idx] + 1e-7)), the same construction as the reference.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">components is outside 1..D.</exception>
    /// <exception cref="InvalidOperationException">Fewer than two vectors were added.</exception>
    public PcaWhitening Fit(int components)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, Dimensions);
        int d = Dimensions;
        var cov = Matrix<double>.Build.Dense(d, d, Covariance()); // column-major, but the matrix is symmetric
        var evd = cov.Evd(Symmetricity.Symmetric);
        var eigenvalues = new double[d];
        for (int i = 0; i < d; i++) eigenvalues[i] = evd.EigenValues[i].Real;
        var vectors = evd.EigenVectors;
        var mean = Mean();
        var meanF = new float[d];
        for (int i = 0; i < d; i++) meanF[i] = (float)mean[i];
        return PcaWhitening.FromEigen(eigenvalues, (row, col) => vectors[row, col], meanF, components);
    }

    /// <summary>crossSum[i, j≥i] += Σ_r block[r, i]·block[r, j]: one SIMD axpy per (row, i) over the row's tail.</summary>
    private void AccumulateUpper(ReadOnlySpan<double> block, int rows)
    {
        int d = Dimensions;
        for (int i = 0; i < d; i++)
        {
            var target = _crossSum.AsSpan((int)((long)i * d + i), d - i);
            for (int r = 0; r < rows; r++)
            {
                double xi = block[r * d + i];
                if (xi != 0) TensorPrimitives.MultiplyAdd(block.Slice(r * d + i, d - i), xi, target, target);
            }
        }
    }

    private void EnsureData(int needed)
    {
        if (Count < needed)
            throw new InvalidOperationException($"PCA needs at least {needed} vectors, {Count} were added");
    }
}
