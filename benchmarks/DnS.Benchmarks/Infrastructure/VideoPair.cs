using DnS.Core.Kernels;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>
/// One query video against <c>targets</c> target videos (T=40 frames × R=9 regions × D=512), as floats and as
/// packed 512-bit sign codes, in aligned buffers, plus the raw arrays the torch tensors are made from.
/// </summary>
public sealed class VideoPair : IDisposable
{
    /// <summary>Builds the fixture from fixed seeds.</summary>
    public VideoPair(int targets)
    {
        QueryValues = RandomFeatures.UnitRows(Workload.RegionsPerVideo, Workload.Dims, seed: 1);
        TargetValues = RandomFeatures.UnitRows(Workload.RegionsPerVideo * targets, Workload.Dims, seed: 2);
        Query = new AlignedBuffer<float>(QueryValues);
        Target = new AlignedBuffer<float>(TargetValues);

        var words = HammingKernel.WordsPerCode(Workload.Bits);
        QueryCodes = new AlignedBuffer<ulong>(Workload.RegionsPerVideo * words);
        TargetCodes = new AlignedBuffer<ulong>(Workload.RegionsPerVideo * targets * words);
        HammingKernel.PackSigns(QueryValues, Workload.Bits, QueryCodes.Span);
        HammingKernel.PackSigns(TargetValues, Workload.Bits, TargetCodes.Span);
        Similarity = new AlignedBuffer<float>(Workload.Frames * Workload.Frames * targets);
    }

    /// <summary>Query region vectors, row-major (T·R)×D.</summary>
    public float[] QueryValues { get; }

    /// <summary>Target region vectors, row-major (targets·T·R)×D.</summary>
    public float[] TargetValues { get; }

    /// <summary>Aligned copy of <see cref="QueryValues"/>.</summary>
    public AlignedBuffer<float> Query { get; }

    /// <summary>Aligned copy of <see cref="TargetValues"/>.</summary>
    public AlignedBuffer<float> Target { get; }

    /// <summary>Packed sign codes of the query regions.</summary>
    public AlignedBuffer<ulong> QueryCodes { get; }

    /// <summary>Packed sign codes of the target regions.</summary>
    public AlignedBuffer<ulong> TargetCodes { get; }

    /// <summary>Output: one T×T frame-similarity block per target video.</summary>
    public AlignedBuffer<float> Similarity { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Query.Dispose();
        Target.Dispose();
        QueryCodes.Dispose();
        TargetCodes.Dispose();
        Similarity.Dispose();
    }
}
