using DnS.Benchmarks.Infrastructure;
using TorchSharp;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>
/// The coarse-scan inputs: N=100,000 × D=1024 unit rows (409.6 MB, larger than this machine's 300 MiB L3) and one
/// query. Built once per process and shared by every coarse-scan case (BenchmarkDotNet runs the global setup per
/// case, and generating 10^8 Gaussian values each time would dominate the run); the OS frees it at exit.
/// </summary>
public sealed class CoarseIndex
{
    private static readonly Lazy<CoarseIndex> SharedIndex = new(() => new CoarseIndex());
    private readonly Lazy<torch.Tensor> matrixTensor;
    private readonly Lazy<torch.Tensor> queryTensor;

    private CoarseIndex()
    {
        var values = RandomFeatures.UnitRows(Workload.IndexVideos, Workload.IndexDims, seed: 3);
        Matrix = new AlignedBuffer<float>(values);
        var queryValues = RandomFeatures.UnitRows(1, Workload.IndexDims, seed: 4);
        Query = new AlignedBuffer<float>(queryValues);
        Scores = new AlignedBuffer<float>(Workload.IndexVideos);
        // The torch copies are made only by the suites that use them, from the same values.
        matrixTensor = new(() => TorchRuntime.Tensor(values, Workload.IndexVideos, Workload.IndexDims));
        queryTensor = new(() => TorchRuntime.Tensor(queryValues, Workload.IndexDims));
    }

    /// <summary>The process-wide instance.</summary>
    public static CoarseIndex Shared => SharedIndex.Value;

    /// <summary>Row-major N×D matrix.</summary>
    public AlignedBuffer<float> Matrix { get; }

    /// <summary>The query embedding.</summary>
    public AlignedBuffer<float> Query { get; }

    /// <summary>Output scores of the DnS kernel, one per row.</summary>
    public AlignedBuffer<float> Scores { get; }

    /// <summary>libtorch's own copy of <see cref="Matrix"/> (N, D).</summary>
    public torch.Tensor MatrixTensor => matrixTensor.Value;

    /// <summary>libtorch's copy of <see cref="Query"/> (D).</summary>
    public torch.Tensor QueryTensor => queryTensor.Value;
}
