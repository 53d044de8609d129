using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Pooling;
using DnS.Core.Features.Whitening;

namespace DnS.Features.ResNet18;

/// <summary>
/// ImageNet ResNet-18 L3-iMAC region features with nothing to download or export: the pretrained CNTK model of the
/// NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, its four stage ends exposed and its batch dimension
/// freed in memory, pooled to 3×3 regions of 64 + 128 + 256 + 512 = 960 dims (L3-iMAC with the reference kernels
/// 28, 14, 6, 3, which give the same 3×3 grid on ResNet-18's 56², 28², 14² and 7² maps), then optionally PCA-whitened.
/// </summary>
public static class ResNet18Features
{
    /// <summary>The model's image input, float [N, 3, 224, 224] (N fixed at 1 in the file, freed when opened).</summary>
    public const string InputName = "Input247";

    /// <summary>The model's own output: the global average of the last stage, [N, 512, 1, 1].</summary>
    public const string PooledOutputName = "Pooling395_Output_0";

    /// <summary>Regions per frame.</summary>
    public const int Regions = 9;

    /// <summary>Dimensions of an unwhitened region vector (ΣC over the four stages).</summary>
    public const int Dimensions = 960;

    /// <summary>Input side the model was exported for.</summary>
    public const int InputSize = 224;

    /// <summary>
    /// The ReLU that ends each stage (layer1..layer4): 64×56², 128×28², 256×14² and 512×7² for a 224² frame.
    /// </summary>
    public static IReadOnlyList<string> StageOutputNames { get; } =
        ["ReLU283_Output_0", "ReLU315_Output_0", "ReLU347_Output_0", "ReLU393_Output_0"];

    /// <summary>Where the model package's build step copies the model: <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c> beside the application.</summary>
    public static string DefaultModelPath { get; } =
        Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>
    /// Opens the ResNet-18 as an <see cref="OnnxBackbone"/> whose four outputs are the stage maps and whose batch
    /// dimension is dynamic.
    /// </summary>
    /// <param name="options">Model path and session settings; defaults when null.</param>
    /// <exception cref="FileNotFoundException">The model file is missing (the message says how it gets there).</exception>
    /// <exception cref="BackboneModelException">The file is not the expected model.</exception>
    /// <exception cref="ArgumentException">The backbone options name tensors themselves.</exception>
    public static OnnxBackbone OpenBackbone(ResNet18FeatureOptions? options = null)
    {
        options ??= new ResNet18FeatureOptions();
        string path = options.ModelPath ?? DefaultModelPath;
        OnnxBackboneOptions backbone = options.Backbone ?? new OnnxBackboneOptions();
        if (backbone.StageOutputNames is not null || backbone.InputName is not null)
            throw new ArgumentException(
                "ResNet18FeatureOptions.Backbone must leave StageOutputNames and InputName null: the ResNet-18 package names its tensors itself.",
                nameof(options));
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"ResNet-18 model '{path}' does not exist. The package Microsoft.ML.DnnImageFeaturizer.ResNet18 (a dependency of " +
                "DnS.Features.ResNet18) copies it to DnnImageModels/ResNet18Onnx/ beside the application at build time; " +
                "rebuild, or set ResNet18FeatureOptions.ModelPath.", path);
        return OnnxBackbone.Open(path, backbone with
        {
            InputName = InputName,
            StageOutputNames = StageOutputNames,
            DynamicBatch = true,
        });
    }

    /// <summary>
    /// Creates the video feature extractor: frames (1 fps, 224² center crop) through ResNet-18, L3-iMAC to
    /// <see cref="Regions"/> × <see cref="Dimensions"/> per frame, then <paramref name="whitening"/> when given.
    /// </summary>
    /// <param name="whitening">PCA whitening of the 960-d regions (e.g. fitted with <see cref="PcaFitter"/> on the library), or null for raw L3-iMAC vectors.</param>
    /// <param name="options">Model path, session and decoding settings; defaults when null.</param>
    /// <exception cref="FileNotFoundException">The model file is missing.</exception>
    /// <exception cref="ArgumentException">The whitening is not 960-d, or the options are inconsistent.</exception>
    public static BackboneFeatureExtractor Create(PcaWhitening? whitening = null, ResNet18FeatureOptions? options = null) =>
        new(OpenBackbone(options), whitening, L3IMacPooling.ResNet50, options?.Decoding);
}
