using DnS.Benchmarks.Infrastructure;
using DnS.Core.Kernels;

namespace DnS.Benchmarks.CoarseScan;

/// <summary>
/// <see cref="CoarseIndex.Shared"/> quantized to int8 codes with one float scale per row (Int8Quantization, as
/// DnS.Core's quantized coarse index does): 102.8 MB instead of 409.6 MB, still far larger than the L3. Built once
/// per process, like the float index.
/// </summary>
public sealed class QuantizedLibrary
{
    private static readonly Lazy<QuantizedLibrary> SharedIndex = new(() => new QuantizedLibrary(CoarseIndex.Shared));

    private QuantizedLibrary(CoarseIndex source)
    {
        const int dims = Workload.IndexDims;
        Codes = new AlignedBuffer<sbyte>(Workload.IndexVideos * dims);
        Scales = new AlignedBuffer<float>(Workload.IndexVideos);
        for (int n = 0; n < Workload.IndexVideos; n++)
            Scales.Span[n] = Int8Quantization.Quantize(source.Matrix.Slice(n * dims, dims), Codes.Slice(n * dims, dims));
        Query = new sbyte[dims];
        QueryScale = Int8Quantization.Quantize(source.Query.Span, Query);
    }

    /// <summary>The process-wide instance.</summary>
    public static QuantizedLibrary Shared => SharedIndex.Value;

    /// <summary>N×D int8 codes, row-major.</summary>
    public AlignedBuffer<sbyte> Codes { get; }

    /// <summary>One scale per row.</summary>
    public AlignedBuffer<float> Scales { get; }

    /// <summary>The shared query's codes.</summary>
    public sbyte[] Query { get; }

    /// <summary>The shared query's scale.</summary>
    public float QueryScale { get; }
}
