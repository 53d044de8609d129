using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Features.ResNet18;
using Microsoft.ML.OnnxRuntime;

namespace DnS.Benchmarks.Features;

/// <summary>
/// ResNet-18 (the CNTK model of Microsoft.ML.DnnImageFeaturizer.ResNet18) frames per second by batch size and intra-op
/// threads. <see cref="Run"/> is the rewritten model (four stage outputs, batch freed) into the reused stage buffers;
/// <see cref="Encode"/> adds L3-iMAC pooling, i.e. the extractor's whole per-frame work after decoding. The peer
/// <see cref="PlainSessionRun"/> is ONNX Runtime alone over the unmodified file, which only takes batches of one: one
/// allocating Run per frame returning its 512-d pooled output. Devices: the CPU, plus those listed in the environment
/// variable <c>DNS_BENCH_DEVICES</c> (<c>cpu,cuda</c> in benchmarks/gpu/run.sh, built with <c>-p:OnnxRuntimeGpu=true</c>);
/// CUDA never falls back to the CPU here, so a row labeled cuda ran on the GPU.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class ResNet18Benchmarks
{
    private const int Side = ResNet18Features.InputSize;
    private const int FrameLength = 3 * Side * Side;

    private OnnxBackbone _backbone = null!;
    private BackboneFeatureExtractor _extractor = null!;
    private FrameBatch _batch;
    private float[] _features = [];
    private InferenceSession _session = null!;
    private SessionOptions _sessionOptions = null!;
    private RunOptions _runOptions = null!;
    private float[] _pixels = [];

    /// <summary>Frames per call.</summary>
    [Params(1, 16)]
    public int BatchSize { get; set; }

    /// <summary>ONNX Runtime intra-op threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Where the three sessions run: cpu or cuda.</summary>
    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    /// <summary>The devices to measure: <c>DNS_BENCH_DEVICES</c> (comma-separated), else the CPU only.</summary>
    public static IEnumerable<string> Devices =>
        Environment.GetEnvironmentVariable("DNS_BENCH_DEVICES")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? ["cpu"];

    /// <summary>Opens the three sessions and runs each once (which sizes the reused buffers).</summary>
    [GlobalSetup]
    public void Setup()
    {
        bool cuda = Device == "cuda";
        var options = new ResNet18FeatureOptions
        {
            Backbone = new OnnxBackboneOptions
            {
                IntraOpThreads = Threads,
                ExecutionProvider = cuda ? BackboneExecutionProvider.Cuda : BackboneExecutionProvider.Cpu,
                AllowCpuFallback = false,
            },
        };
        _backbone = ResNet18Features.OpenBackbone(options);
        _extractor = ResNet18Features.Create(options: options);
        _pixels = new float[BatchSize * FrameLength];
        var random = new Random(7);
        for (int i = 0; i < _pixels.Length; i++)
            _pixels[i] = (float)(random.NextDouble() * 4 - 2);
        _batch = new FrameBatch(_pixels, BatchSize, Side, Side, 0);
        _features = new float[BatchSize * ResNet18Features.Regions * ResNet18Features.Dimensions];
        _sessionOptions = new SessionOptions { IntraOpNumThreads = Threads };
        if (cuda) _sessionOptions.AppendExecutionProvider_CUDA(0);
        _session = new InferenceSession(ResNet18Features.DefaultModelPath, _sessionOptions);
        _runOptions = new RunOptions();
        Run();
        Encode();
        PlainSessionRun();
    }

    /// <summary>Disposes the sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _backbone.Dispose();
        _extractor.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
        _runOptions.Dispose();
    }

    /// <summary>One batch through the rewritten model into the four stage maps.</summary>
    [Benchmark]
    public int Run() => _backbone.Run(_batch).Count;

    /// <summary>One batch through the model and L3-iMAC pooling into 9 × 960 floats per frame.</summary>
    [Benchmark]
    public float Encode()
    {
        _extractor.Encode(_batch, _features);
        return _features[0];
    }

    /// <summary>Peer: the unmodified model through a plain InferenceSession.Run, one frame per call.</summary>
    [Benchmark(Baseline = true)]
    public int PlainSessionRun()
    {
        int total = 0;
        for (int n = 0; n < BatchSize; n++)
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                _pixels.AsMemory(n * FrameLength, FrameLength), [1, 3, Side, Side]);
            using IDisposableReadOnlyCollection<OrtValue> outputs =
                _session.Run(_runOptions, [ResNet18Features.InputName], [input], [ResNet18Features.PooledOutputName]);
            total += outputs[0].GetTensorDataAsSpan<float>().ToArray().Length;
        }

        return total;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new FramesPerSecondColumn());
    }
}
