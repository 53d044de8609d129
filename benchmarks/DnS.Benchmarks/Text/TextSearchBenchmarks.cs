using BenchmarkDotNet.Attributes;
using DnS.Benchmarks.Infrastructure;
using DnS.Benchmarks.Peers;
using DnS.Core.Text;
using DnS.Core.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Benchmarks.Text;

/// <summary>
/// The fast stage of text search at library scale: one query embedding against 1,000,000 pooled video embeddings of
/// D = 512 (2.05 GB, far beyond the caches, so memory-bound), <see cref="TextVideoScoring.FastScores"/> (the dot
/// kernel) against a TensorPrimitives.Dot loop, one thread each.
/// </summary>
public class TextFastScanBenchmarks
{
    /// <summary>Videos in the library.</summary>
    public const int Videos = 1_000_000;

    /// <summary>Embedding width (CLIP ViT-B/32's).</summary>
    public const int Dims = 512;

    private const double Bytes = 4.0 * Videos * Dims;
    private const double Flops = 2.0 * Videos * Dims;

    private AlignedBuffer<float> _videos = null!, _query = null!, _scores = null!, _peerScores = null!;

    /// <summary>Fills the matrix with unit rows (a cheap generator: 5·10⁸ Gaussians would dominate the run) and checks the peer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _videos = new AlignedBuffer<float>(Videos * Dims);
        var random = new Random(11);
        var matrix = _videos.Span;
        for (int row = 0; row < Videos; row++)
        {
            var vector = matrix.Slice(row * Dims, Dims);
            for (int i = 0; i < Dims; i++) vector[i] = random.NextSingle() * 2 - 1;
            Core.Features.L2Normalization.Normalize(vector);
        }
        _query = new AlignedBuffer<float>(RandomFeatures.UnitRows(1, Dims, seed: 12));
        _scores = new AlignedBuffer<float>(Videos);
        _peerScores = new AlignedBuffer<float>(Videos);
        DotKernelScan();
        TensorPrimitivesDotLoop();
        Agreement.Check(nameof(TensorPrimitivesDotLoop), _scores.Span, _peerScores.Span);
    }

    /// <summary>Frees the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in new[] { _videos, _query, _scores, _peerScores }) buffer.Dispose();
    }

    /// <summary>TextVideoScoring.FastScores: DotKernel.OneVsMany on the best ISA path.</summary>
    [Benchmark(Baseline = true)]
    [Throughput(Quantity.Bytes, Bytes)]
    [Throughput(Quantity.Flops, Flops)]
    public void DotKernelScan() => TextVideoScoring.FastScores(_query.Span, _videos.Span, _scores.Span);

    /// <summary>Peer: TensorPrimitives.Dot per video.</summary>
    [Benchmark]
    [Throughput(Quantity.Bytes, Bytes)]
    [Throughput(Quantity.Flops, Flops)]
    public void TensorPrimitivesDotLoop() => TensorPrimitivesCompositions.OneVsMany(_query.Span, _videos.Span, _peerScores.Span);
}

/// <summary>
/// The slow stage: one query re-ranks K = 100 videos of 30 frames each (D = 512). The parameter-free attention
/// (<see cref="TextVideoScoring.SlowScore"/> per video) against libtorch doing the same math batched
/// ([K, T, D]·q, max-shifted softmax over T at τ, weighted sum), one thread each; and the trained head
/// (<see cref="CrossAttentionScoring"/>, the text's two D×D projections once per query, then the same per-frame work).
/// </summary>
public class TextRerankBenchmarks
{
    /// <summary>Videos re-ranked (the paper's top-K).</summary>
    public const int K = 100;

    /// <summary>Frames per video (30 s at 1 fps).</summary>
    public const int Frames = 30;

    /// <summary>Embedding width (CLIP ViT-B/32's).</summary>
    public const int Dims = 512;

    private const float Temperature = 0.01f;

    private float[] _frames = [], _query = [], _scores = new float[K];
    private readonly int[] _counts = Enumerable.Repeat(Frames, K).ToArray();
    private Tensor _framesTensor = null!, _queryTensor = null!;
    private CrossAttentionScoring _head = null!;
    private string _headFile = "";

    /// <summary>Makes the frames, the torch copies and a head with random weights, and checks torch against the library.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.Use(1);
        _frames = RandomFeatures.UnitRows(K * Frames, Dims, seed: 21);
        _query = RandomFeatures.UnitRows(1, Dims, seed: 22);
        _framesTensor = TorchRuntime.Tensor(_frames, K, Frames, Dims);
        _queryTensor = TorchRuntime.Tensor(_query, Dims);
        _headFile = Path.Combine(Path.GetTempPath(), $"dns-bench-head-{Environment.ProcessId}.safetensors");
        var random = new Random(23);
        float[] Weights() => Enumerable.Range(0, Dims * Dims).Select(_ => (random.NextSingle() - 0.5f) * 0.01f).ToArray();
        new SafeTensorsWriter().Add("key.weight", Weights(), [Dims, Dims]).Add("value.weight", Weights(), [Dims, Dims])
            .Add("log_temperature", [MathF.Log(Temperature)], [1]).WriteAsync(_headFile).GetAwaiter().GetResult();
        _head = CrossAttentionScoring.Load(_headFile);

        ParameterFreeAttention();
        var expected = _scores.ToArray();
        using var torchScores = TorchSharpAttention();
        Agreement.Check(nameof(TorchSharpAttention), expected, TorchRuntime.ToArray(torchScores));
    }

    /// <summary>Frees the tensors and the head's file.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _framesTensor.Dispose();
        _queryTensor.Dispose();
        File.Delete(_headFile);
    }

    /// <summary>TextVideoScoring.SlowScore for each of the K videos.</summary>
    [Benchmark(Baseline = true)]
    public float ParameterFreeAttention()
    {
        for (int v = 0; v < K; v++)
            _scores[v] = TextVideoScoring.SlowScore(_query, _frames.AsSpan(v * Frames * Dims, Frames * Dims), Temperature);
        return _scores[0];
    }

    /// <summary>Peer: the same math in libtorch, batched over the K videos.</summary>
    [Benchmark]
    public Tensor TorchSharpAttention()
    {
        using var scope = NewDisposeScope();
        var similarities = _framesTensor.matmul(_queryTensor);
        var weights = ((similarities - similarities.amax([1], keepdim: true)) / Temperature).softmax(1);
        return (weights * similarities).sum([1]).MoveToOuterDisposeScope();
    }

    /// <summary>The trained cross-attention head over the same K videos.</summary>
    [Benchmark]
    public float TrainedHead()
    {
        _head.Score(_query, _frames, _counts, _scores);
        return _scores[0];
    }
}
