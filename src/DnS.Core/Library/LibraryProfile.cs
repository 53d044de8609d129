using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using DnS.Core.Features;
using DnS.Core.Networks;

namespace DnS.Core.Library;

/// <summary>
/// What built a library, kept as JSON in the store metadata under <see cref="MetadataKey"/> and so committed
/// atomically with the records. Files the index depends on are made part of it: the PCA whitening and every weights
/// file of a model folder are copied into the index folder under content-addressed names
/// (<c>&lt;kind&gt;-&lt;SHA-256&gt;&lt;ext&gt;</c>, verified at open), so deleting or editing the originals changes nothing.
/// The ONNX backbone is referenced by full path and SHA-256 instead (it is large and usually shared between
/// indexes); a changed or missing backbone is a clear error at open.
/// </summary>
/// <remarks>
/// Before <see cref="InternalizeAsync"/> (a profile made from options or from an old index's <c>dns-index.json</c>),
/// <see cref="Pca"/> and the weights of <see cref="Models"/> are full paths outside the index folder.
/// </remarks>
internal sealed record LibraryProfile
{
    /// <summary>The metadata key of the profile.</summary>
    public const string MetadataKey = "dns.library";

    /// <summary>The format version this library writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Format version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>
    /// <c>resnet18</c> for the ResNet-18 of the package DnS.Features.ResNet18 (its model is found beside the host
    /// application, so no path is recorded), <c>both</c> for the built-in descriptor and that ResNet-18 fused; null for
    /// the built-in descriptor or an ONNX backbone file (<see cref="Backbone"/>).
    /// </summary>
    public string? Extractor { get; init; }

    /// <summary>The ONNX backbone's full path, or null for the built-in frame descriptor and ResNet-18.</summary>
    public string? Backbone { get; init; }

    /// <summary>The SHA-256 (hex) of the backbone or the ResNet-18 model, recorded when the profile is internalized.</summary>
    public string? BackboneSha256 { get; init; }

    /// <summary>The PCA whitening (of the ResNet-18 part with <c>both</c>): a file name in the index folder (or a full path before internalizing), or null.</summary>
    public string? Pca { get; init; }

    /// <summary>
    /// <c>both</c> only: the PCA whitening of the built-in part, named like <see cref="Pca"/>. Left out of the JSON when
    /// null, so the profiles of other features read and compare as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BuiltInPca { get; init; }

    /// <summary>Built-in models with packed-bit codes.</summary>
    public bool Binary { get; init; }

    /// <summary>The model folder's configuration with its weights as file names in the index folder (or full paths before internalizing); null for the built-in models.</summary>
    public DnsModelsConfig? Models { get; init; }

    /// <summary>The profile the options ask for, with full paths (not yet internalized).</summary>
    /// <exception cref="System.Text.Json.JsonException">The model folder's configuration is malformed.</exception>
    public static LibraryProfile FromOptions(VideoLibraryOptions options) => new()
    {
        Extractor = options.Features.Extractor is FeatureExtractorKind.ResNet18 or FeatureExtractorKind.Both ? FeatureOptions.Name(options.Features.Extractor) : null,
        Backbone = Full(options.Features.Backbone),
        Pca = Full(options.Features.Pca),
        BuiltInPca = Full(options.Features.BuiltInPca),
        Binary = options.Binary,
        Models = options.Models is null ? null : ResolvedConfig(options.Models),
    };

    /// <summary>Parses the stored JSON.</summary>
    /// <exception cref="InvalidDataException">Malformed, or written by a newer version.</exception>
    public static LibraryProfile Parse(string json, string where)
    {
        LibraryProfile? profile;
        try { profile = JsonSerializer.Deserialize<LibraryProfile>(json, DnsModels.JsonOptions); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: the library profile ({MetadataKey}) is malformed: {e.Message}", e); }
        if (profile is null) throw new InvalidDataException($"{where}: the library profile ({MetadataKey}) is empty");
        if (profile.Version is < 1 or > CurrentVersion)
            throw new InvalidDataException($"{where}: library profile version {profile.Version} is not supported (this library reads 1 to {CurrentVersion})");
        if (profile.Extractor is not (null or "resnet18" or "both"))
            throw new InvalidDataException($"{where}: the library profile names the feature extractor '{profile.Extractor}', which this version does not know");
        return profile;
    }

    /// <summary>The JSON stored in the metadata.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DnsModels.JsonOptions);

    /// <summary>
    /// The profile with its files inside <paramref name="indexFolder"/>: the PCA and weights as content-addressed copies
    /// (written only when <paramref name="copy"/>; existing copies are reused) and the backbone's hash.
    /// </summary>
    public async Task<LibraryProfile> InternalizeAsync(string indexFolder, bool copy, CancellationToken cancellationToken)
    {
        async Task<string?> Blob(string? path, string kind) =>
            path is null || !Path.IsPathRooted(path) ? path : await BlobAsync(path, kind, indexFolder, copy, cancellationToken).ConfigureAwait(false);

        var models = Models;
        if (models is not null)
            models = models with
            {
                CoarseWeights = (await Blob(models.CoarseWeights, "coarse").ConfigureAwait(false))!,
                FineWeights = (await Blob(models.FineWeights, "fine").ConfigureAwait(false))!,
                SelectorWeights = await Blob(models.SelectorWeights, "selector").ConfigureAwait(false),
            };
        return this with
        {
            Version = CurrentVersion,
            BackboneSha256 = ModelFile is not { } model ? null : BackboneSha256 ?? await HashAsync(model, cancellationToken).ConfigureAwait(false),
            Pca = await Blob(Pca, "pca").ConfigureAwait(false),
            BuiltInPca = await Blob(BuiltInPca, "pca").ConfigureAwait(false),
            Models = models,
        };
    }

    /// <summary>Checks that every file the profile names is there and unchanged.</summary>
    /// <exception cref="InvalidDataException">A copy in the index folder or the backbone changed.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public async Task VerifyAsync(string indexFolder, CancellationToken cancellationToken)
    {
        if (ModelFile is { } model && BackboneSha256 is not null)
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"{indexFolder}: the index was built with the backbone {model}, which is missing; restore it or rebuild the index", model);
            string actual = await HashAsync(model, cancellationToken).ConfigureAwait(false);
            if (actual != BackboneSha256)
                throw new InvalidDataException($"{indexFolder}: the backbone {model} changed since the index was built (SHA-256 {actual}, recorded {BackboneSha256}); restore it or rebuild the index");
        }
        foreach (var name in new[] { Pca, BuiltInPca, Models?.CoarseWeights, Models?.FineWeights, Models?.SelectorWeights })
        {
            if (name is null || Path.IsPathRooted(name)) continue;
            string path = Path.Combine(indexFolder, name);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: a file of the index is missing", path);
            string actual = await HashAsync(path, cancellationToken).ConfigureAwait(false);
            if (!name.Contains(actual, StringComparison.Ordinal))
                throw new InvalidDataException($"{path}: the file is damaged (its SHA-256 is {actual})");
        }
    }

    /// <summary>The feature extractor options, with paths resolved against the index folder.</summary>
    public FeatureOptions Features(string indexFolder) => new()
    {
        Extractor = Kind,
        Backbone = Backbone,
        Pca = Pca is null ? null : Path.Combine(indexFolder, Pca),
        BuiltInPca = BuiltInPca is null ? null : Path.Combine(indexFolder, BuiltInPca),
    };

    private FeatureExtractorKind Kind => Extractor switch
    {
        "resnet18" => FeatureExtractorKind.ResNet18,
        "both" => FeatureExtractorKind.Both,
        _ => Backbone is null ? FeatureExtractorKind.BuiltIn : FeatureExtractorKind.Onnx,
    };

    // The model file whose hash is recorded: the backbone, or the ResNet-18 package's model (resolved in this host).
    private string? ModelFile => Kind is FeatureExtractorKind.ResNet18 or FeatureExtractorKind.Both ? ResNet18Package.ModelPath : Backbone;

    /// <summary>The networks, with weights resolved against the index folder.</summary>
    public DnsModels CreateModels(string indexFolder, IVideoFeatureExtractor extractor) => Models is null
        ? DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions, Binary)
        : DnsModels.Load(Models, indexFolder);

    /// <summary>Whether two internalized profiles build the same index (same files by content, same settings).</summary>
    public bool SameAs(LibraryProfile other) => ToJson() == other.ToJson();

    /// <inheritdoc/>
    public override string ToString() =>
        $"models {(Models is null ? "built-in" + (Binary ? " (binary)" : "") : Models.FineWeights)}, features {Backbone ?? Extractor ?? "built-in"}{(BuiltInPca is null ? "" : " + built-in PCA " + BuiltInPca)}{(Pca is null ? "" : " + PCA " + Pca)}";

    private static DnsModelsConfig ResolvedConfig(string folder)
    {
        var config = DnsModels.ReadConfig(folder);
        string Resolve(string file) => Path.GetFullPath(Path.Combine(folder, file));
        return config with
        {
            CoarseWeights = Resolve(config.CoarseWeights),
            FineWeights = Resolve(config.FineWeights),
            SelectorWeights = config.SelectorWeights is null ? null : Resolve(config.SelectorWeights),
        };
    }

    private static async Task<string> BlobAsync(string source, string kind, string indexFolder, bool copy, CancellationToken cancellationToken)
    {
        if (!File.Exists(source)) throw new FileNotFoundException($"file not found: {source}", source);
        string name = $"{kind}-{await HashAsync(source, cancellationToken).ConfigureAwait(false)}{Path.GetExtension(source)}";
        string target = Path.Combine(indexFolder, name);
        if (copy && !File.Exists(target))
        {
            string temp = target + $".{Guid.NewGuid():N}.tmp";
            try
            {
                var from = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                await using (from.ConfigureAwait(false))
                {
                    var to = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                    await using (to.ConfigureAwait(false))
                    {
                        await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
                        to.Flush(flushToDisk: true);
                    }
                }
                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        return name;
    }

    internal static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using var streamDisposal = stream.ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    private static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);
}
