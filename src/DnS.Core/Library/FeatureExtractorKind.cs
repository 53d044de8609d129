namespace DnS.Core.Library;

/// <summary>Which feature extractor a library uses (<c>dns index --features builtin|resnet18|onnx:FILE</c>).</summary>
public enum FeatureExtractorKind
{
    /// <summary>The built-in parameter-free frame descriptor (no model file).</summary>
    BuiltIn,

    /// <summary>
    /// ImageNet ResNet-18 L3-iMAC regions (9 × 960, PCA-whitened to 512 on the library), from the package
    /// <c>DnS.Features.ResNet18</c>, which the host application must reference.
    /// </summary>
    ResNet18,

    /// <summary>A ResNet-style ONNX backbone file exposing its four stage maps (<see cref="FeatureOptions.Backbone"/>).</summary>
    Onnx,
}
