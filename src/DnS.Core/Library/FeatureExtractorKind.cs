namespace DnS.Core.Library;

/// <summary>Which feature extractor a library uses (<c>dns index --features builtin|resnet18|both|onnx:FILE</c>).</summary>
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

    /// <summary>
    /// The built-in descriptor and ResNet-18 side by side from one decoding, early-fused into one 640-d region vector:
    /// [built-in whitened 128 → 128 ; ResNet-18 whitened 960 → 512], each part L2-normalized and scaled by √0.75 and √0.25,
    /// so a region dot product is 0.75·cos_builtin + 0.25·cos_resnet (the best teacher measured, docs/distillation.md). Needs the package <c>DnS.Features.ResNet18</c>.
    /// </summary>
    Both,
}
