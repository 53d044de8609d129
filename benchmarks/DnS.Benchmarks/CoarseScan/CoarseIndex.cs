namespace DnS.Benchmarks.CoarseScan;

using DnS.Benchmarks.Infrastructure;

/// <summary>The coarse-scan inputs: N=100,000 × D=1024 unit rows (409.6 MB, larger than the 300 MiB L3) and one query.</summary>
public sealed class CoarseIndex : IDisposable
{
    /// <summary>Builds the matrix (aligned) and, when asked, its raw array for a torch copy.</summary>
    public CoarseIndex(bool keepArray)
    {
        var values = RandomFeatures.UnitRows(Workload.IndexVideos, Workload.IndexDims, seed: 3);
        Matrix = new AlignedBuffer<float>(values);
        Array = keepArray ? values : null;
        QueryValues = RandomFeatures.UnitRows(1, Workload.IndexDims, seed: 4);
        Query = new AlignedBuffer<float>(QueryValues);
        Scores = new AlignedBuffer<float>(Workload.IndexVideos);
    }

    /// <summary>Row-major N×D matrix.</summary>
    public AlignedBuffer<float> Matrix { get; }

    /// <summary>The matrix as a managed array (only when built with keepArray), for torch.tensor.</summary>
    public float[]? Array { get; }

    /// <summary>The query embedding.</summary>
    public float[] QueryValues { get; }

    /// <summary>Aligned copy of <see cref="QueryValues"/>.</summary>
    public AlignedBuffer<float> Query { get; }

    /// <summary>Output scores, one per row.</summary>
    public AlignedBuffer<float> Scores { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Matrix.Dispose();
        Query.Dispose();
        Scores.Dispose();
    }
}
