using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;

namespace DnS.Core.Library;

/// <summary>
/// Which feature extractor turns a video into region features: the built-in frame descriptor, the packaged ResNet-18,
/// or an ONNX backbone file; with optional PCA whitening of the backbone's regions.
/// </summary>
public sealed record FeatureOptions
{
    private readonly FeatureExtractorKind? _extractor;

    /// <summary>
    /// The extractor. Unset, it follows <see cref="Backbone"/>: <see cref="FeatureExtractorKind.Onnx"/> when a backbone
    /// file is given, else <see cref="FeatureExtractorKind.BuiltIn"/>.
    /// </summary>
    public FeatureExtractorKind Extractor
    {
        get => _extractor ?? (Backbone is null ? FeatureExtractorKind.BuiltIn : FeatureExtractorKind.Onnx);
        init => _extractor = value;
    }

    /// <summary>The ONNX backbone file of <see cref="FeatureExtractorKind.Onnx"/>: a ResNet-style model exposing its four stage maps.</summary>
    public string? Backbone { get; init; }

    /// <summary>PCA whitening (safetensors) of the backbone's region vectors, or null for none.</summary>
    public string? Pca { get; init; }

    /// <summary>
    /// How the backbone session runs: threads and device (<see cref="OnnxBackboneOptions.ExecutionProvider"/>, with
    /// CPU fallback when CUDA is unavailable). Not part of what built an index: the same index runs on any device. Its
    /// tensor names and batch settings must stay unset (the extractor sets them).
    /// </summary>
    public OnnxBackboneOptions? Session { get; init; }

    /// <summary>
    /// Parses the command-line form: <c>builtin</c>, <c>resnet18</c> or <c>onnx:FILE</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Another form, or <c>onnx:</c> without a file.</exception>
    public static FeatureOptions Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Equals("builtin", StringComparison.OrdinalIgnoreCase)) return new() { Extractor = FeatureExtractorKind.BuiltIn };
        if (spec.Equals("resnet18", StringComparison.OrdinalIgnoreCase)) return new() { Extractor = FeatureExtractorKind.ResNet18 };
        if (spec.StartsWith("onnx:", StringComparison.OrdinalIgnoreCase) && spec.Length > "onnx:".Length)
            return new() { Extractor = FeatureExtractorKind.Onnx, Backbone = spec["onnx:".Length..] };
        throw new ArgumentException($"unknown features '{spec}' (expected builtin, resnet18 or onnx:FILE)", nameof(spec));
    }

    /// <summary>Whether an index built with these options gets a PCA whitening fitted on its videos when none is given (ResNet-18: its 960-d L3-iMAC regions are meant to be whitened).</summary>
    public bool FitsPca => Extractor == FeatureExtractorKind.ResNet18 && Pca is null;

    /// <summary>Throws <see cref="ArgumentException"/> when the combination is not usable.</summary>
    public void Validate()
    {
        OptionChecks.Defined(Extractor);
        if (Extractor == FeatureExtractorKind.Onnx && Backbone is null)
            throw new ArgumentException("ONNX features need the backbone file (onnx:FILE)");
        if (Extractor != FeatureExtractorKind.Onnx && Backbone is not null)
            throw new ArgumentException($"a backbone file ({Backbone}) is the ONNX extractor's; the {Name(Extractor)} extractor takes none");
        if (Pca is not null && Extractor == FeatureExtractorKind.BuiltIn)
            throw new ArgumentException($"PCA whitening ({Pca}) applies to backbone features: give the backbone it was fitted on");
        if (Session is { } session)
        {
            session.Validate();
            if (session.StageOutputNames is not null || session.InputName is not null || session.DynamicBatch)
                throw new ArgumentException("FeatureOptions.Session sets threads and the device only: leave StageOutputNames, InputName and DynamicBatch unset");
        }
    }

    /// <summary>Creates the extractor (the caller disposes it). A backbone on a device other than the one asked for reports why through <paramref name="fallback"/>.</summary>
    /// <param name="fallback">Receives the reason when CUDA was asked for but the CPU runs the backbone.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    /// <exception cref="FileNotFoundException">The backbone or PCA file is missing.</exception>
    /// <exception cref="InvalidOperationException">ResNet-18 features, but the host application does not reference the package <c>DnS.Features.ResNet18</c>.</exception>
    public IVideoFeatureExtractor CreateExtractor(Action<string>? fallback = null)
    {
        Validate();
        if (Extractor == FeatureExtractorKind.BuiltIn) return new BuiltInFeatureExtractor();
        var whitening = Pca is null ? null : PcaWhitening.Load(Pca);
        var session = Session ?? new OnnxBackboneOptions();
        var backbone = Extractor == FeatureExtractorKind.ResNet18 ? ResNet18Package.OpenBackbone(session) : OnnxBackbone.Open(Backbone!, session);
        if (backbone.ProviderFallbackReason is { } reason) fallback?.Invoke(reason);
        try { return new BackboneFeatureExtractor(backbone, whitening); }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>The command-line name of an extractor.</summary>
    internal static string Name(FeatureExtractorKind kind) => kind switch
    {
        FeatureExtractorKind.ResNet18 => "resnet18",
        FeatureExtractorKind.Onnx => "onnx",
        _ => "builtin",
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"features {(Extractor == FeatureExtractorKind.Onnx ? Backbone : Name(Extractor))}{(Pca is null ? "" : " + PCA " + Pca)}";
}
