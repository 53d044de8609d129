using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;

namespace DnS.Core.Library;

/// <summary>Which feature extractor turns a video into region features: the built-in frame descriptor, or an ONNX backbone with optional PCA whitening.</summary>
public sealed record FeatureOptions
{
    /// <summary>A ResNet-style ONNX backbone exposing its four stage maps, or null for the built-in frame descriptor.</summary>
    public string? Backbone { get; init; }

    /// <summary>PCA whitening (safetensors) of the backbone's region vectors, or null for none.</summary>
    public string? Pca { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the combination is not usable.</summary>
    public void Validate()
    {
        if (Pca is not null && Backbone is null)
            throw new ArgumentException($"PCA whitening ({Pca}) applies to backbone features: give the backbone it was fitted on");
    }

    /// <summary>Creates the extractor (the caller disposes it).</summary>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="FileNotFoundException">The backbone or PCA file is missing.</exception>
    public IVideoFeatureExtractor CreateExtractor()
    {
        Validate();
        if (Backbone is null) return new BuiltInFeatureExtractor();
        var backbone = OnnxBackbone.Open(Backbone);
        try { return new BackboneFeatureExtractor(backbone, Pca is null ? null : PcaWhitening.Load(Pca)); }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"features {Backbone ?? "built-in"}{(Pca is null ? "" : " + PCA " + Pca)}";
}
