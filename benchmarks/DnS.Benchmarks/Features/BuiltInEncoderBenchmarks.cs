using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using DnS.Core.Features;
using DnS.Core.Features.BuiltIn;

namespace DnS.Benchmarks.Features;

/// <summary>
/// Throughput of the training-free built-in encoder (3×3 regions × 128-d) on 224² frames, the
/// figure to hold against <see cref="BackboneBenchmarks"/> (ResNet-50, ≈4.1 GMACs per frame).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class BuiltInEncoderBenchmarks
{
    private const int Side = 224;
    private readonly BuiltInFrameEncoder _encoder = new();
    private FrameBatch _batch;
    private float[] _features = [];

    /// <summary>Frames per <see cref="BuiltInFrameEncoder.Encode"/> call.</summary>
    [Params(16)]
    public int BatchSize { get; set; }

    /// <summary>Random ImageNet-normalized frames.</summary>
    [GlobalSetup]
    public void Setup()
    {
        float[] pixels = new float[BatchSize * 3 * Side * Side];
        var random = new Random(11);
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        _batch = new FrameBatch(pixels, BatchSize, Side, Side, 0);
        _features = new float[BatchSize * BuiltInFrameEncoder.Regions * BuiltInFrameEncoder.Dimensions];
    }

    /// <summary>One batch into [N, 9, 128] region descriptors.</summary>
    [Benchmark]
    public float Encode()
    {
        _encoder.Encode(_batch, _features);
        return _features[0];
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
            AddColumn(new FramesPerSecondColumn());
        }
    }
}
