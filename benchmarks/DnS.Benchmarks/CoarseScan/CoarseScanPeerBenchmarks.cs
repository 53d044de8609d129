using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Peers;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>
/// Coarse scan on 1 and 2 threads — DnS kernel vs naive loop vs TensorPrimitives.Dot per row vs torch.mv —
/// next to the read bandwidth of the same 409.6 MB buffer (the scan's physical limit), measured in the same run.
/// The .NET contenders split the rows into one contiguous range per thread; libtorch gets set_num_threads(Threads).
/// </summary>
public class CoarseScanPeerBenchmarks
{
    private readonly float[] partialSums = new float[2];
    private CoarseIndex index = null!;
    private AlignedBuffer<float> peerScores = null!;

    /// <summary>Threads given to every contender.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Uses the shared index and checks every contender against the DnS kernel.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(Threads);
        index = CoarseIndex.Shared;
        peerScores = new AlignedBuffer<float>(Workload.IndexVideos);

        DnsKernel();
        var expected = index.Scores.Span.ToArray();
        NaiveScalarLoop();
        Agreement.Check(nameof(NaiveScalarLoop), expected, peerScores.Span);
        TensorPrimitivesDot();
        Agreement.Check(nameof(TensorPrimitivesDot), expected, peerScores.Span);
        using var torchScores = index.MatrixTensor.mv(index.QueryTensor);
        Agreement.Check(nameof(TorchSharpMv), expected, TorchRuntime.ToArray(torchScores));
    }

    /// <summary>Frees the peers' output.</summary>
    [GlobalCleanup]
    public void Cleanup() => peerScores.Dispose();

    /// <summary>DnS DotKernel.OneVsMany on the best ISA path, one row range per thread.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Flops, Workload.CoarseScanFlops)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void DnsKernel() => RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
        DotKernel.OneVsMany(index.Query.Span, index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims), index.Scores.Slice(start, rows)));

    /// <summary>Peer (1): scalar dot per row.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.CoarseScanFlops)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void NaiveScalarLoop() => RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
        ScalarLoops.OneVsMany(index.Query.Span, index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims), peerScores.Slice(start, rows)));

    /// <summary>Peer (2): TensorPrimitives.Dot per row.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.CoarseScanFlops)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void TensorPrimitivesDot() => RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
        TensorPrimitivesCompositions.OneVsMany(index.Query.Span, index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims), peerScores.Slice(start, rows)));

    /// <summary>Peer (3): libtorch matrix·vector (torch.mv), Threads intra-op threads.</summary>
    [Benchmark]
    [Throughput(Quantity.Flops, Workload.CoarseScanFlops)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void TorchSharpMv()
    {
        using var scores = index.MatrixTensor.mv(index.QueryTensor);
    }

    /// <summary>The limit: read every byte of the same matrix once (Vector512 sum, 4 accumulators), one row range per thread.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public float ReadBandwidthVector512() => StreamingSum.SumRows(Threads, index.Matrix, partialSums);

    /// <summary>The same read limit through TensorPrimitives.Sum.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public float ReadBandwidthTensorPrimitivesSum()
    {
        RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
            partialSums[start == 0 ? 0 : 1] = TensorPrimitives.Sum<float>(index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims)));
        return partialSums[0] + partialSums[1];
    }
}
