namespace DnS.Core.Features.Backbone;

/// <summary>
/// A ResNet-50 with random weights and BatchNorm folded into the convolutions: torchvision's
/// architecture (bottlenecks 3-4-6-3, stride on the 3×3 conv), so ≈4.1 GMACs per 224² frame,
/// the same work as the real backbone. For benchmarks and shape tests; nothing is downloaded.
/// </summary>
internal static class ResNet50Graph
{
    /// <summary>Name of the image input, [N, 3, H, W] with N, H and W dynamic.</summary>
    public const string InputName = "frames";

    /// <summary>Name of the classifier output when the graph has a head.</summary>
    public const string LogitsName = "logits";

    private static readonly int[] BlocksPerStage = [3, 4, 6, 3];
    private static readonly int[] WidthPerStage = [64, 128, 256, 512];
    private const int Expansion = 4;

    /// <summary>The stage tensors, layer1..layer4 (256, 512, 1024, 2048 channels at strides 4, 8, 16, 32).</summary>
    public static IReadOnlyList<string> StageNames { get; } = ["layer1", "layer2", "layer3", "layer4"];

    /// <summary>
    /// Builds the serialized model. Without a classifier the outputs are the four stages (form (a));
    /// with one the only output is the 1000-way logits and the stages are inner tensors (form (b)).
    /// </summary>
    public static byte[] Create(ulong seed, bool withClassifier = false)
    {
        var random = new WeightRandom(seed);
        var graph = new OnnxGraphBuilder("resnet50");
        string x = graph.Input(InputName, -1, 3, -1, -1);

        x = graph.Relu(Conv(graph, ref random, x, 3, 64, 7, 2, 3));
        x = graph.MaxPool(x, 3, 2, 1);
        int channels = 64;
        for (int stage = 0; stage < BlocksPerStage.Length; stage++)
        {
            for (int block = 0; block < BlocksPerStage[stage]; block++)
            {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                string? output = block == BlocksPerStage[stage] - 1 ? StageNames[stage] : null;
                x = Bottleneck(graph, ref random, x, channels, WidthPerStage[stage], stride, output);
                channels = WidthPerStage[stage] * Expansion;
            }

            if (!withClassifier)
                graph.Output(StageNames[stage]);
        }

        if (withClassifier)
        {
            string pooled = graph.Flatten(graph.GlobalAveragePool(x));
            float bound = 1f / MathF.Sqrt(channels);
            graph.Linear(pooled, random.Next(1000 * channels, bound), random.Next(1000, bound), 1000, channels, LogitsName);
            graph.Output(LogitsName);
        }

        return graph.ToBytes();
    }

    private static string Bottleneck(OnnxGraphBuilder graph, ref WeightRandom random, string input, int inChannels, int width,
        int stride, string? output)
    {
        int outChannels = width * Expansion;
        string y = graph.Relu(Conv(graph, ref random, input, inChannels, width, 1, 1, 0));
        y = graph.Relu(Conv(graph, ref random, y, width, width, 3, stride, 1));
        // Damped residual branch: keeps the random network's activations bounded over 16 blocks.
        y = Conv(graph, ref random, y, width, outChannels, 1, 1, 0, gain: 0.25f);
        string shortcut = inChannels == outChannels && stride == 1
            ? input
            : Conv(graph, ref random, input, inChannels, outChannels, 1, stride, 0);
        return graph.Relu(graph.Add(y, shortcut), output);
    }

    private static string Conv(OnnxGraphBuilder graph, ref WeightRandom random, string input, int inChannels, int outChannels,
        int kernel, int stride, int pad, float gain = 1f)
    {
        int fanIn = inChannels * kernel * kernel;
        // He-uniform bound sqrt(6 / fan_in): unit-variance activations through ReLUs.
        float bound = gain * MathF.Sqrt(6f / fanIn);
        float[] weight = random.Next(outChannels * fanIn, bound);
        float[] bias = random.Next(outChannels, 0.01f);
        return graph.Conv(input, weight, bias, outChannels, inChannels, kernel, stride, pad);
    }
}
