using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>
/// The coarse scan over the same 100,000 × 1024 library as float32 (409.6 MB) and as int8 codes with a float scale per
/// row (102.8 MB), on 1 and 2 threads, next to the read bandwidth of the float matrix in the same run: both scans are
/// memory-bound, so each one's GB/s over that bandwidth says how close it is to the limit of its own data.
/// </summary>
public class QuantizedScanBenchmarks
{
    private readonly float[] partialSums = new float[2];
    private CoarseIndex index = null!;
    private QuantizedLibrary quantized = null!;
    private AlignedBuffer<float> int8Scores = null!;

    /// <summary>Threads given to every contender (one contiguous row range each).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds both indexes and checks the int8 scan: exact against its scalar path, within quantization error of the floats.</summary>
    [GlobalSetup]
    public void Setup()
    {
        index = CoarseIndex.Shared;
        quantized = QuantizedLibrary.Shared;
        int8Scores = new AlignedBuffer<float>(Workload.IndexVideos);
        FloatScan();
        Int8Scan();
        const int Checked = 4096;
        var scalar = new float[Checked];
        QuantizedDotKernel.OneVsMany(quantized.Query, quantized.QueryScale, quantized.Codes.Slice(0, Checked * Workload.IndexDims), quantized.Scales.Slice(0, Checked), scalar, SimdPath.Scalar);
        Agreement.Check("Int8Scan vs its scalar path", scalar, int8Scores.Slice(0, Checked), tolerance: 0);
        Agreement.Check("Int8Scan vs float scan", index.Scores.Span, int8Scores.Span, tolerance: 0.01f);
    }

    /// <summary>Frees the int8 scores.</summary>
    [GlobalCleanup]
    public void Cleanup() => int8Scores.Dispose();

    /// <summary>DotKernel.OneVsMany over the float matrix.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public void FloatScan() => RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
        DotKernel.OneVsMany(index.Query.Span, index.Matrix.Slice(start * Workload.IndexDims, rows * Workload.IndexDims), index.Scores.Slice(start, rows)));

    /// <summary>QuantizedDotKernel.OneVsMany over the int8 codes and scales.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.QuantizedScanBytes)]
    public void Int8Scan() => RowPartition.Run(Threads, Workload.IndexVideos, (start, rows) =>
        QuantizedDotKernel.OneVsMany(
            quantized.Query, quantized.QueryScale, quantized.Codes.Slice(start * Workload.IndexDims, rows * Workload.IndexDims),
            quantized.Scales.Slice(start, rows), int8Scores.Slice(start, rows)));

    /// <summary>The limit: read every byte of the float matrix once (Vector512 sum), one row range per thread.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Workload.CoarseScanBytes)]
    public float ReadBandwidth() => StreamingSum.SumRows(Threads, index.Matrix, partialSums);
}
