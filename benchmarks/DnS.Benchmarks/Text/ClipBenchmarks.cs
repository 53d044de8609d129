using System.Reflection;
using BenchmarkDotNet.Attributes;
using DnS.Core.Features;
using DnS.Core.Text;
using Microsoft.ML.OnnxRuntime;

namespace DnS.Benchmarks.Text;

/// <summary>
/// Text search's model side on ../shared/golden-text's tiny CLIP (2-layer towers, width 64, ViT-B/32 patching): one
/// query through the tokenizer and the text tower, and a batch of frames through the vision tower, each against a
/// plain ONNX Runtime <see cref="InferenceSession"/> loop on the same file (allocating outputs, copied to arrays) as
/// the peer. The tiny towers make the wrapper's share visible; a real CLIP spends far longer inside the session.
/// </summary>
[MemoryDiagnoser]
public class ClipBenchmarks
{
    private const int Side = 224;
    private const string Query = "a dog running on the beach at sunset.";

    private ClipModel _model = null!;
    private InferenceSession _text = null!, _vision = null!;
    private SessionOptions _options = null!;
    private RunOptions _runOptions = null!;
    private long[] _ids = [];
    private float[] _pixels = [], _embeddings = [];
    private FrameBatch _frames;

    /// <summary>Frames per vision call.</summary>
    [Params(32)]
    public int Frames { get; set; }

    /// <summary>Opens the model folder and the peer sessions (one intra-op thread each) and fills the frame batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string folder = Path.Combine(typeof(ClipBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SharedDataDir").Value!, "golden-text");
        var runtime = new DnS.Core.Features.Backbone.OnnxBackboneOptions { IntraOpThreads = 1 };
        _model = ClipModel.Open(folder, new ClipModelOptions { Runtime = runtime, BatchSize = Frames });
        _options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _runOptions = new RunOptions();
        _text = new InferenceSession(Path.Combine(folder, "text.onnx"), _options);
        _vision = new InferenceSession(Path.Combine(folder, "vision.onnx"), _options);
        _ids = _model.Tokenizer.Tokenize([Query]);
        _pixels = new float[Frames * 3 * Side * Side];
        var random = new Random(5);
        for (int i = 0; i < _pixels.Length; i++)
            _pixels[i] = (float)(random.NextDouble() * 4 - 2);
        _frames = new FrameBatch(_pixels, Frames, Side, Side, 0);
        _embeddings = new float[Frames * _model.EmbeddingDimension];
    }

    /// <summary>Disposes the model and the sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        _text.Dispose();
        _vision.Dispose();
        _runOptions.Dispose();
        _options.Dispose();
    }

    /// <summary>The tokenizer alone (clean-up, pre-tokenizer, BPE, padding) on one query.</summary>
    [Benchmark]
    public long Tokenize() => _model.Tokenizer.Tokenize([Query])[1];

    /// <summary>One query: tokenizer, text tower, L2 normalization.</summary>
    [Benchmark]
    public float EncodeQuery() => _model.EncodeText([Query])[0];

    /// <summary>Peer: the pre-tokenized query through a plain session run, output copied to an array.</summary>
    [Benchmark(Baseline = true)]
    public float PlainSessionQuery()
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(_ids, [1, _ids.Length]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _text.Run(_runOptions, ["input_ids"], [input], ["text_embeds"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray()[0];
    }

    /// <summary>A batch of preprocessed frames through the vision tower, normalized embeddings out.</summary>
    [Benchmark]
    public float EncodeFrames()
    {
        _model.EncodeImages(_frames, _embeddings);
        return _embeddings[0];
    }

    /// <summary>Peer: the same frames through a plain session run, output copied to an array.</summary>
    [Benchmark]
    public float PlainSessionFrames()
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(_pixels, [Frames, 3, Side, Side]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _vision.Run(_runOptions, ["pixel_values"], [input], ["image_embeds"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray()[0];
    }
}
