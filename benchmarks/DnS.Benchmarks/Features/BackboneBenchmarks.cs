using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;

namespace DnS.Benchmarks.Features;

/// <summary>
/// Backbone throughput on a ResNet-50-shaped graph (torchvision architecture, random weights, BN folded:
/// the real model's ≈4.1 GMACs per 224² frame), by batch size and intra-op threads. The batch-1 rows are
/// the per-frame peer the batched rows are measured against.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class BackboneBenchmarks
{
    private const int Side = 224;
    private static readonly Lazy<byte[]> Model = new(() => ResNet50Graph.Create(seed: 42));

    private OnnxBackbone _backbone = null!;
    private FrameBatch _batch;

    /// <summary>Frames per <see cref="OnnxBackbone.Run"/> call.</summary>
    [Params(1, 4, 16)]
    public int BatchSize { get; set; }

    /// <summary>ONNX Runtime intra-op threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Creates the session and runs one warm-up batch (which sizes the reused buffers).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backbone = OnnxBackbone.FromBytes(Model.Value, "resnet50-random", new OnnxBackboneOptions { IntraOpThreads = Threads });
        float[] pixels = new float[BatchSize * 3 * Side * Side];
        var random = new Random(7);
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (float)(random.NextDouble() * 4 - 2);
        _batch = new FrameBatch(pixels, BatchSize, Side, Side, 0);
        _backbone.Run(_batch);
    }

    /// <summary>Disposes the session.</summary>
    [GlobalCleanup]
    public void Cleanup() => _backbone.Dispose();

    /// <summary>One batch through the backbone into the four stage maps.</summary>
    [Benchmark]
    public int Run() => _backbone.Run(_batch).Count;

    // Each call costs 0.1–2 s: a few iterations give stable means without a 20-minute run.
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(new FramesPerSecondColumn());
        }
    }
}
