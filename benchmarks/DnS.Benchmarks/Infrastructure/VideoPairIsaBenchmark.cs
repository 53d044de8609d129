using BenchmarkDotNet.Attributes;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>Base of the per-ISA suites that compare one query video with one target (floats and packed codes).</summary>
public abstract class VideoPairIsaBenchmark : IsaBenchmark
{
    /// <summary>The video pair (T=40, R=9, D=512, with its 512-bit codes).</summary>
    protected VideoPair Videos { get; private set; } = null!;

    /// <summary>Builds the video pair.</summary>
    [GlobalSetup]
    public void Setup() => Videos = new VideoPair(targets: 1);

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup() => Videos.Dispose();
}
