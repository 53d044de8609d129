using System.Text.Json;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;
using DnS.Core.Networks;

namespace DnS.Cli;

/// <summary>
/// How an index was built (<c>dns-index.json</c> in the index folder): which feature extractor and which networks.
/// Search and similarity reuse it, so queries are encoded exactly like the database.
/// </summary>
internal sealed record IndexProfile(string? Models, string? Backbone, string? Pca, bool Binary)
{
    public const string FileName = "dns-index.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IndexProfile? Read(string indexDirectory)
    {
        string path = Path.Combine(indexDirectory, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize<IndexProfile>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty")
            : null;
    }

    public void Write(string indexDirectory)
    {
        Directory.CreateDirectory(indexDirectory);
        string path = Path.Combine(indexDirectory, FileName), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The profile given on the command line, or the stored one; a conflict between them is an error.</summary>
    public static IndexProfile Resolve(string indexDirectory, string? models, string? backbone, string? pca, bool binary)
    {
        var requested = new IndexProfile(Full(models), Full(backbone), Full(pca), binary);
        var stored = Read(indexDirectory);
        if (stored is null) return requested;
        bool overrides = models is not null || backbone is not null || pca is not null || binary;
        if (overrides && stored != requested)
            throw new ArgumentException($"the index at {indexDirectory} was built with {stored}; this command asks for {requested}");
        return stored;
    }

    public IVideoFeatureExtractor CreateExtractor() => Backbone is null
        ? new BuiltInFeatureExtractor()
        : new BackboneFeatureExtractor(OnnxBackbone.Open(Backbone), Pca is null ? null : PcaWhitening.Load(Pca));

    public DnsModels CreateModels(IVideoFeatureExtractor extractor) => Models is not null
        ? DnsModels.Load(Models)
        : DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions, Binary);

    public override string ToString() =>
        $"models {(Models ?? "built-in" + (Binary ? " (binary)" : ""))}, features {(Backbone ?? "built-in")}{(Pca is null ? "" : " + PCA " + Pca)}";

    private static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);
}
