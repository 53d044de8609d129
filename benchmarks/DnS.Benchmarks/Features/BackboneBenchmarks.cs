using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using Microsoft.ML.OnnxRuntime;

namespace DnS.Benchmarks.Features;

/// <summary>
/// Backbone throughput on a ResNet-50-shaped graph (torchvision architecture, random weights, BN folded:
/// the real model's ≈4.1 GMACs per 224² frame), by batch size and intra-op threads. The batch-1 rows are
/// the per-frame peer the batched rows are measured against; <see cref="AllocatingSessionRun"/> is the
/// plain ONNX Runtime usage (new output tensors every call, copied out to arrays) that
/// <see cref="OnnxBackbone.Run"/>'s reused pinned buffers replace.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class BackboneBenchmarks
{
    private const int Side = 224;
    private static readonly Lazy<byte[]> Model = new(() => ResNet50Graph.Create(seed: 42));

    private OnnxBackbone _backbone = null!;
    private FrameBatch _batch;
    private InferenceSession _session = null!;
    private SessionOptions _sessionOptions = null!;
    private RunOptions _runOptions = null!;
    private float[] _pixels = [];

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
        _pixels = pixels;
        _batch = new FrameBatch(pixels, BatchSize, Side, Side, 0);
        _backbone.Run(_batch);
        _sessionOptions = new SessionOptions { IntraOpNumThreads = Threads };
        _session = new InferenceSession(Model.Value, _sessionOptions);
        _runOptions = new RunOptions();
        AllocatingSessionRun();
    }

    /// <summary>Disposes the sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _backbone.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>One batch through the backbone into the four stage maps.</summary>
    [Benchmark]
    public int Run() => _backbone.Run(_batch).Count;

    /// <summary>Peer: the same model through a plain InferenceSession.Run whose outputs are copied to arrays.</summary>
    [Benchmark(Baseline = true)]
    public int AllocatingSessionRun()
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(_pixels, [BatchSize, 3, Side, Side]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, [ResNet50Graph.InputName], [input], ResNet50Graph.StageNames);
        int total = 0;
        foreach (OrtValue output in outputs)
            total += output.GetTensorDataAsSpan<float>().ToArray().Length;
        return total;
    }

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
