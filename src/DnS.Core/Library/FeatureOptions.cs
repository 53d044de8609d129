using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.BuiltIn;
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

    /// <summary>PCA whitening (safetensors) of the backbone's region vectors, or null for none. With <see cref="FeatureExtractorKind.Both"/>: the whitening of the ResNet-18 part (960-d).</summary>
    public string? Pca { get; init; }

    /// <summary>
    /// <see cref="FeatureExtractorKind.Both"/> only: the PCA whitening (safetensors) of the built-in part's 128-d regions.
    /// Both parts are whitened, or neither (then the extractor gives the raw regions side by side, the input the two
    /// whitenings are fitted on).
    /// </summary>
    public string? BuiltInPca { get; init; }

    /// <summary>
    /// How the backbone session runs: threads and device (<see cref="OnnxBackboneOptions.ExecutionProvider"/>, with
    /// CPU fallback when CUDA is unavailable). Not part of what built an index: the same index runs on any device. Its
    /// tensor names and batch settings must stay unset (the extractor sets them).
    /// </summary>
    public OnnxBackboneOptions? Session { get; init; }

    /// <summary>
    /// Parses the command-line form: <c>builtin</c>, <c>resnet18</c>, <c>both</c> or <c>onnx:FILE</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Another form, or <c>onnx:</c> without a file.</exception>
    public static FeatureOptions Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Equals("builtin", StringComparison.OrdinalIgnoreCase)) return new() { Extractor = FeatureExtractorKind.BuiltIn };
        if (spec.Equals("resnet18", StringComparison.OrdinalIgnoreCase)) return new() { Extractor = FeatureExtractorKind.ResNet18 };
        if (spec.Equals("both", StringComparison.OrdinalIgnoreCase)) return new() { Extractor = FeatureExtractorKind.Both };
        if (spec.StartsWith("onnx:", StringComparison.OrdinalIgnoreCase) && spec.Length > "onnx:".Length)
            return new() { Extractor = FeatureExtractorKind.Onnx, Backbone = spec["onnx:".Length..] };
        throw new ArgumentException($"unknown features '{spec}' (expected builtin, resnet18, both or onnx:FILE)", nameof(spec));
    }

    /// <summary>
    /// Whether an index built with these options gets a PCA whitening fitted on its videos when none is given (ResNet-18:
    /// its 960-d L3-iMAC regions are meant to be whitened; both: each part is whitened).
    /// </summary>
    public bool FitsPca => Extractor switch
    {
        FeatureExtractorKind.ResNet18 => Pca is null,
        FeatureExtractorKind.Both => Pca is null || BuiltInPca is null,
        _ => false,
    };

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
        if (BuiltInPca is not null && Extractor != FeatureExtractorKind.Both)
            throw new ArgumentException($"the built-in part's PCA whitening ({BuiltInPca}) applies to both features only");
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
    /// <exception cref="InvalidOperationException">ResNet-18 or both features, but the host application does not reference the package <c>DnS.Features.ResNet18</c>.</exception>
    public IVideoFeatureExtractor CreateExtractor(Action<string>? fallback = null)
    {
        Validate();
        if (Extractor == FeatureExtractorKind.BuiltIn) return new BuiltInFeatureExtractor();
        if (Extractor == FeatureExtractorKind.Both) return CreateBoth(fallback);
        var whitening = Pca is null ? null : PcaWhitening.Load(Pca);
        return CreateBackbone(whitening, fallback);
    }

    // The built-in descriptor and ResNet-18 over one decoding: whitened and fused, or raw side by side (to fit the whitenings on).
    private FusedFeatureExtractor CreateBoth(Action<string>? fallback)
    {
        if ((Pca is null) != (BuiltInPca is null))
            throw new ArgumentException($"both features whiten both parts or neither: give the ResNet-18 part's PCA and the built-in part's, not only {Pca ?? BuiltInPca}");
        PcaWhitening? builtInWhitening = BuiltInPca is null ? null : LoadPart(BuiltInPca, BuiltInFrameEncoder.Dimensions, "built-in");
        PcaWhitening? resNetWhitening = Pca is null ? null : LoadPart(Pca, ResNet18Dimensions, "ResNet-18");
        var resNet = CreateBackbone(null, fallback);
        return new FusedFeatureExtractor([new BuiltInFeatureExtractor(), resNet], builtInWhitening is null ? null : [builtInWhitening, resNetWhitening!],
            [BothBuiltInWeight, 1 - BothBuiltInWeight]);
    }

    /// <summary>
    /// Loads the whitenings given for the parts of both features and checks their dimensions, so a missing file or one of
    /// another part fails before minutes of fitting the part that was not given.
    /// </summary>
    /// <exception cref="FileNotFoundException">A given file is missing.</exception>
    /// <exception cref="ArgumentException">A given whitening has other dimensions than its part.</exception>
    internal static void CheckBothWhitenings(string? builtInPca, string? resNetPca)
    {
        if (builtInPca is not null) LoadPart(builtInPca, BuiltInFrameEncoder.Dimensions, "built-in");
        if (resNetPca is not null) LoadPart(resNetPca, ResNet18Dimensions, "ResNet-18");
    }

    private static PcaWhitening LoadPart(string path, int dimensions, string part)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such PCA whitening file", path);
        var whitening = PcaWhitening.Load(path);
        return whitening.Dimensions == dimensions ? whitening
            : throw new ArgumentException($"{path}: the PCA whitening whitens {whitening.Dimensions}-d vectors; the {part} part of both features has {dimensions}-d regions");
    }

    private BackboneFeatureExtractor CreateBackbone(PcaWhitening? whitening, Action<string>? fallback)
    {
        var session = Session ?? new OnnxBackboneOptions();
        var backbone = Extractor == FeatureExtractorKind.Onnx ? OnnxBackbone.Open(Backbone!, session) : ResNet18Package.OpenBackbone(session);
        if (backbone.ProviderFallbackReason is { } reason) fallback?.Invoke(reason);
        try { return new BackboneFeatureExtractor(backbone, whitening); }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The built-in part's weight in a both-features region dot product (ResNet-18 takes the rest): 0.75·cos_builtin +
    /// 0.25·cos_resnet was the best teacher measured on the realistic corpus (DSVR 0.911 against 0.904 for the built-in
    /// part alone, 0.886 for equal weights and 0.807 for ResNet-18 alone; docs/distillation.md).
    /// </summary>
    internal const float BothBuiltInWeight = 0.75f;

    /// <summary>The ResNet-18's L3-iMAC region dimensions (64 + 128 + 256 + 512).</summary>
    internal const int ResNet18Dimensions = 960;

    /// <summary>The command-line name of an extractor.</summary>
    internal static string Name(FeatureExtractorKind kind) => kind switch
    {
        FeatureExtractorKind.ResNet18 => "resnet18",
        FeatureExtractorKind.Onnx => "onnx",
        FeatureExtractorKind.Both => "both",
        _ => "builtin",
    };

    /// <inheritdoc/>
    public override string ToString() =>
        $"features {(Extractor == FeatureExtractorKind.Onnx ? Backbone : Name(Extractor))}{(BuiltInPca is null ? "" : " + built-in PCA " + BuiltInPca)}{(Pca is null ? "" : " + PCA " + Pca)}";
}
