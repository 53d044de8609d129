using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;

namespace DnS.Features.ResNet18;

/// <summary>How <see cref="ResNet18Features"/> finds and runs the ResNet-18 model.</summary>
public sealed record ResNet18FeatureOptions
{
    /// <summary>
    /// The CNTK ResNet-18 ONNX file; null uses <see cref="ResNet18Features.DefaultModelPath"/>, where the package's build
    /// step copies it.
    /// </summary>
    public string? ModelPath { get; init; }

    /// <summary>
    /// Threads and execution provider of the ONNX Runtime session (default: ONNX Runtime's thread count, CPU). Leave its
    /// <see cref="OnnxBackboneOptions.StageOutputNames"/> and <see cref="OnnxBackboneOptions.InputName"/> null: the
    /// package names the model's tensors itself, and always frees its batch dimension.
    /// </summary>
    public OnnxBackboneOptions? Backbone { get; init; }

    /// <summary>Decoding and preprocessing (default: the reference's 1 fps, 256 short side, 224 crop, ImageNet normalization).</summary>
    public VideoDecodingOptions? Decoding { get; init; }
}
