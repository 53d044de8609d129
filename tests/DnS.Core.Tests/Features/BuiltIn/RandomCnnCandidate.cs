using DnS.Core.Features;
using DnS.Core.Features.Backbone;

namespace DnS.Core.Tests.Features.BuiltIn;

/// <summary>
/// The other training-free candidate: a fixed-filter CNN generated as an ONNX graph (ResNet-like
/// stem and four stages at strides 4–32, He-initialized random filters with a fixed seed), run by
/// <see cref="OnnxBackbone"/>, each stage max-pooled over the 3×3 grid like L3-iMAC, square-rooted,
/// L2-normalized per stage, concatenated and L2-normalized.
/// </summary>
internal sealed class RandomCnnCandidate : IDisposable
{
    private static readonly int[] StageChannels = [32, 64, 96, 128];

    public const int Regions = 9;

    public static readonly int Dimensions = StageChannels.Sum();

    private readonly OnnxBackbone _backbone;

    public RandomCnnCandidate(ulong seed)
    {
        var random = new WeightRandom(seed);
        var graph = new OnnxGraphBuilder("random_cnn");
        string x = graph.Input("frames", -1, 3, -1, -1);
        x = graph.Relu(Conv(graph, ref random, x, 3, 32, 2));
        x = graph.MaxPool(x, 3, 2, 1);
        int channels = 32;
        for (int s = 0; s < StageChannels.Length; s++)
        {
            x = graph.Relu(Conv(graph, ref random, x, channels, StageChannels[s], s == 0 ? 1 : 2), $"stage{s + 1}");
            graph.Output(x);
            channels = StageChannels[s];
        }

        _backbone = OnnxBackbone.FromBytes(graph.ToBytes(), "random-cnn");
    }

    public void Encode(FrameBatch batch, Span<float> features)
    {
        IReadOnlyList<StageMap> stages = _backbone.Run(batch);
        features.Clear();
        for (int n = 0; n < batch.Count; n++)
            for (int r = 0; r < Regions; r++)
            {
                Span<float> region = features.Slice((n * Regions + r) * Dimensions, Dimensions);
                int offset = 0;
                foreach (StageMap stage in stages)
                {
                    Span<float> part = region.Slice(offset, stage.Channels);
                    RegionMax(stage, n, r, part);
                    for (int c = 0; c < part.Length; c++)
                        part[c] = MathF.Sqrt(part[c]);
                    Normalize(part);
                    offset += stage.Channels;
                }

                Normalize(region);
            }
    }

    public void Dispose() => _backbone.Dispose();

    private static void RegionMax(StageMap stage, int frame, int region, Span<float> destination)
    {
        int top = region / 3 * stage.Height / 3, bottom = Math.Max((region / 3 + 1) * stage.Height / 3, top + 1);
        int left = region % 3 * stage.Width / 3, right = Math.Max((region % 3 + 1) * stage.Width / 3, left + 1);
        ReadOnlySpan<float> data = stage.Data.Span.Slice(frame * stage.FrameLength, stage.FrameLength);
        for (int c = 0; c < stage.Channels; c++)
        {
            float best = 0f;
            for (int y = top; y < bottom; y++)
                for (int x = left; x < right; x++)
                    best = MathF.Max(best, data[(c * stage.Height + y) * stage.Width + x]);
            destination[c] = best;
        }
    }

    private static void Normalize(Span<float> values)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(values);
        if (norm > 0f)
            System.Numerics.Tensors.TensorPrimitives.Divide(values, norm, values);
    }

    private static string Conv(OnnxGraphBuilder graph, ref WeightRandom random, string input, int inChannels, int outChannels, int stride)
    {
        int fanIn = inChannels * 9;
        return graph.Conv(input, random.Next(outChannels * fanIn, MathF.Sqrt(6f / fanIn)), random.Next(outChannels, 0.01f),
            outChannels, inChannels, 3, stride, 1);
    }
}
