using BenchmarkDotNet.Attributes;
using DnS.Core.Features;
using DnS.Core.Features.Pooling;
using DnS.Core.Features.Whitening;

namespace DnS.Benchmarks.Features;

/// <summary>
/// Per-frame cost of the feature tail after the backbone: L3-iMAC pooling of ResNet-50's four stages at 224×224
/// (256×56×56 … 2048×7×7 → 9×3840) and PCA whitening 3840 → 512 of the 9 regions. Reported per frame
/// (OperationsPerInvoke = frames).
/// </summary>
[MemoryDiagnoser]
public class RegionFeatureBenchmarks
{
    private const int Frames = 8;
    private StageMap[] _stages = [];
    private float[] _regions = [];
    private float[] _whitened = [];
    private PcaWhitening _pca = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        (int C, int H)[] shapes = [(256, 56), (512, 28), (1024, 14), (2048, 7)];
        _stages = shapes.Select(s =>
        {
            var data = new float[Frames * s.C * s.H * s.H];
            for (int i = 0; i < data.Length; i++) data[i] = MathF.Max(0, (float)(rng.NextDouble() * 2 - 1)); // ReLU-like
            return new StageMap(data, Frames, s.C, s.H, s.H);
        }).ToArray();
        _regions = new float[Frames * 9 * 3840];
        _whitened = new float[Frames * 9 * 512];
        var mean = new float[3840];
        var projection = new float[3840 * 512];
        for (int i = 0; i < mean.Length; i++) mean[i] = (float)rng.NextDouble() * 0.01f;
        for (int i = 0; i < projection.Length; i++) projection[i] = (float)(rng.NextDouble() - 0.5);
        _pca = new PcaWhitening(mean, projection, 512);
        L3IMacPooling.ResNet50.Pool(_stages, _regions);
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "L3-iMAC pooling, µs/frame")]
    public void Pooling() => L3IMacPooling.ResNet50.Pool(_stages, _regions);

    [Benchmark(OperationsPerInvoke = Frames, Description = "PCA whitening 9×3840→512, µs/frame")]
    public void Whitening() => _pca.Whiten(_regions, _whitened);
}
