using DnS.Core.Features;
using DnS.Core.Features.Backbone;

namespace DnS.Core.Tests.Features.Backbone;

/// <summary>
/// A ResNet-shaped toy backbone with fixed random weights: stem conv/2 + max-pool/2, then one
/// conv+ReLU per stage, so the stages sit at strides 4, 8, 16, 32 like ResNet's layer1..layer4.
/// Builds form (a) (stages are the outputs) and a classification form (b) with the same weights.
/// </summary>
internal sealed class TinyResNet
{
    public const string InputName = "frames";

    // Stem, layer1, layer2, layer3, layer4.
    private static readonly int[] Channels = [4, 6, 8, 10, 12];
    private static readonly int[] Strides = [2, 1, 2, 2, 2];
    private const int Classes = 5;

    // Torch-exporter-like names: what form (b) users pass for a real classification ResNet.
    public static readonly string[] InnerStageNames =
        ["/layer1/Relu_output_0", "/layer2/Relu_output_0", "/layer3/Relu_output_0", "/layer4/Relu_output_0"];

    private readonly float[][] _weights = new float[5][];
    private readonly float[][] _biases = new float[5][];
    private readonly float[] _fcWeight;
    private readonly float[] _fcBias;

    public TinyResNet(ulong seed)
    {
        var random = new WeightRandom(seed);
        int inC = 3;
        for (int i = 0; i < Channels.Length; i++)
        {
            _weights[i] = random.Next(Channels[i] * inC * 9, MathF.Sqrt(6f / (inC * 9)));
            _biases[i] = random.Next(Channels[i], 0.1f);
            inC = Channels[i];
        }

        _fcWeight = random.Next(Classes * inC, 0.3f);
        _fcBias = random.Next(Classes, 0.1f);
    }

    public static string[] OutputStageNames => ["layer1", "layer2", "layer3", "layer4"];

    /// <summary>
    /// Form (a); positive <paramref name="fixedSize"/> / <paramref name="fixedBatch"/> fix H = W / N in the input's declared
    /// shape. <paramref name="bakedReshape"/> (needs both) routes layer1 through a Reshape to [N, −1, H/4, W/4] with N baked
    /// in, as fixed-batch exporters write it: run on a larger batch unchanged, it would fold the batch into the channels.
    /// </summary>
    public byte[] StagesModel(int fixedSize = -1, int fixedBatch = -1, bool bakedReshape = false) =>
        Build(classifier: false, fixedSize, fixedBatch, bakedReshape);

    /// <summary>Form (b): only the logits are outputs; the stages are <see cref="InnerStageNames"/>.</summary>
    public byte[] ClassifierModel() => Build(classifier: true, -1, -1, bakedReshape: false);

    private byte[] Build(bool classifier, int fixedSize, int fixedBatch, bool bakedReshape)
    {
        var graph = new OnnxGraphBuilder(classifier ? "tiny_classifier" : "tiny_stages");
        string x = graph.Input(InputName, fixedBatch, 3, fixedSize, fixedSize);
        x = graph.Relu(graph.Conv(x, _weights[0], _biases[0], Channels[0], 3, 3, Strides[0], 1));
        x = graph.MaxPool(x, 3, 2, 1);
        for (int s = 0; s < 4; s++)
        {
            string name = classifier ? InnerStageNames[s] : OutputStageNames[s];
            bool reshaped = bakedReshape && s == 0;
            x = graph.Relu(graph.Conv(x, _weights[s + 1], _biases[s + 1], Channels[s + 1], Channels[s], 3, Strides[s + 1], 1), reshaped ? null : name);
            if (reshaped)
                x = graph.Reshape(x, [fixedBatch, -1, fixedSize / 4, fixedSize / 4], name);
            if (!classifier)
                graph.Output(name);
        }

        if (classifier)
        {
            string logits = graph.Linear(graph.Flatten(graph.GlobalAveragePool(x)), _fcWeight, _fcBias, Classes, Channels[4], "logits");
            graph.Output(logits);
        }

        return graph.ToBytes();
    }

    /// <summary>The four stage maps computed with plain loops.</summary>
    public StageMap[] Reference(float[] pixels, int n, int h, int w)
    {
        float[] x = ReferenceOps.Relu(ReferenceOps.Conv2d(pixels, n, 3, h, w, _weights[0], _biases[0], Channels[0], 3, Strides[0], 1,
            out h, out w));
        x = ReferenceOps.MaxPool(x, n, Channels[0], h, w, 3, 2, 1, out h, out w);
        var stages = new StageMap[4];
        for (int s = 0; s < 4; s++)
        {
            x = ReferenceOps.Relu(ReferenceOps.Conv2d(x, n, Channels[s], h, w, _weights[s + 1], _biases[s + 1], Channels[s + 1], 3,
                Strides[s + 1], 1, out h, out w));
            stages[s] = new StageMap(x, n, Channels[s + 1], h, w);
        }

        return stages;
    }

    /// <summary>ImageNet-normalized-looking random frames.</summary>
    public static float[] Frames(int n, int h, int w, ulong seed)
    {
        var random = new WeightRandom(seed);
        return random.Next(n * 3 * h * w, 2f);
    }
}
