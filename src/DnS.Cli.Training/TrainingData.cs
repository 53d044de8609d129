using DnS.Core.Features;
using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Networks;
using DnS.Core.Storage;
using DnS.Training.Data;

namespace DnS.Cli.Training;

/// <summary>
/// The training corpus of <c>dns-train distill</c> and <c>dns-train train</c>: the videos of an index (its recorded sources and its
/// feature extractor) or of files and folders, extracted once into a feature set on disk and streamed from there.
/// </summary>
internal static class TrainingData
{
    /// <summary>
    /// The videos, the extractor their features come from, and the index folder when its store already keeps those
    /// features: an index built with the parameter-free float models stores each video's region vectors as they came
    /// out of the extractor, so training reads them from there instead of decoding the videos again.
    /// </summary>
    /// <exception cref="ArgumentException">Neither an index nor paths, an index without recorded sources, or a missing path.</exception>
    public static async Task<(IReadOnlyList<VideoSource> Videos, FeatureOptions Features, string? StoredIn)> ResolveAsync(string[] paths, string? index, string? backbone, string? pca,
        CancellationToken cancellationToken)
    {
        if (index is not null)
        {
            if (paths.Length > 0 || backbone is not null || pca is not null)
                throw new ArgumentException("give either --index or video files and folders (with --backbone/--pca), not both");
            await using var library = await VideoLibrary.OpenAsync(index, cancellationToken: cancellationToken);
            if (library.Sources.Count == 0) throw new ArgumentException($"the index at {index} records no source videos; index them with this version of dns");
            bool stored = library.Models.Fine.Variant == FineGrainedVariant.ParameterFree && library.Schema.FineKind == FineFeatureKind.Float;
            return (library.Sources.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new VideoSource(s.Key, s.Value.Path)).ToList(), library.FeatureOptions,
                stored ? library.Folder : null);
        }
        if (paths.Length == 0) throw new ArgumentException("give --index or at least one video file or folder");
        return (VideoFiles.Expand(paths), new FeatureOptions { Backbone = Full(backbone), Pca = Full(pca) }, null);
    }

    /// <summary>The file a model folder keeps the PCA whitening its backbone features were fitted with.</summary>
    public const string PcaFileName = "pca.safetensors";

    /// <summary>
    /// A backbone profile without whitening gets the model folder's PCA: fitted on the corpus and saved there when
    /// <paramref name="fit"/> (distillation), else the one saved by an earlier distillation (if any). Other profiles pass through.
    /// </summary>
    public static async Task<FeatureOptions> WithPcaAsync(FeatureOptions profile, IReadOnlyList<VideoSource> videos, string modelFolder, int components, bool fit,
        CancellationToken cancellationToken)
    {
        if (profile.Backbone is null || profile.Pca is not null) return profile;
        string path = Path.GetFullPath(Path.Combine(modelFolder, PcaFileName));
        if (!File.Exists(path))
        {
            if (!fit) return profile;
            using var raw = profile.CreateExtractor();
            var result = await PcaFitter.FitAsync(raw, videos.Select(v => v.Path).ToList(), Math.Min(components, raw.Dimensions), cancellationToken: cancellationToken);
            Directory.CreateDirectory(modelFolder);
            await result.Whitening.SaveAsync(path, cancellationToken);
            Console.WriteLine($"PCA whitening {raw.Dimensions} → {result.Whitening.Components} fitted on {result.Vectors} region vectors of {result.Videos} videos: {path}");
        }
        return profile with { Pca = path };
    }

    /// <summary>
    /// The features of <paramref name="profile"/>: read from the index store <paramref name="storedIn"/> when it keeps
    /// them (<see cref="ResolveAsync"/>), else extracted into the feature set at <paramref name="directory"/>.
    /// </summary>
    public static async Task<FeatureSet> FeaturesAsync(string directory, IReadOnlyList<VideoSource> videos, FeatureOptions profile, string? storedIn,
        CancellationToken cancellationToken)
    {
        if (storedIn is null) return await BuildAsync(directory, videos, profile, cancellationToken);
        var set = await FeatureSetBuilder.OpenAsync(storedIn, cancellationToken);
        Console.WriteLine($"features: the region features of {set.Source.Count} videos read from the index at {storedIn} (no video decoded again)");
        return await AtLeastTwoAsync(set, storedIn);
    }

    /// <summary>Extracts what is missing from the feature set at <paramref name="directory"/> and opens it; failures are listed on stderr.</summary>
    public static async Task<FeatureSet> BuildAsync(string directory, IReadOnlyList<VideoSource> videos, FeatureOptions profile, CancellationToken cancellationToken)
    {
        using (var extractor = profile.CreateExtractor())
        {
            var report = await new FeatureSetBuilder(extractor).BuildAsync(directory, videos,
                new Progress<IndexProgress>(p => { if (p.Completed % 25 == 0 || p.Completed == p.Total) Console.WriteLine($"features [{p.Completed}/{p.Total}] {p.LastId}"); }),
                cancellationToken);
            Console.WriteLine($"features: {report.Indexed.Count} extracted, {report.Skipped.Count} already there, {report.Failed.Count} failed ({report.Frames} frames, {report.Elapsed.TotalSeconds:F1} s)");
            foreach (var failure in report.Failed) Console.Error.WriteLine($"failed: {failure.Source.Path}: {failure.Reason}");
        }
        return await AtLeastTwoAsync(await FeatureSetBuilder.OpenAsync(directory, cancellationToken), directory);
    }

    private static async Task<FeatureSet> AtLeastTwoAsync(FeatureSet set, string directory)
    {
        if (set.Source.Count >= 2) return set;
        await set.DisposeAsync();
        throw new InvalidOperationException($"training needs at least 2 videos with features, {directory} has {set.Source.Count}");
    }

    /// <summary>The settings' corpus as a feature set in <paramref name="directory"/>, checked against the networks' D.</summary>
    /// <exception cref="ArgumentException">The features have another D than the networks.</exception>
    public static async Task<FeatureSet> OpenAsync(TrainingDataSettings settings, string directory, string modelFolder, int dims, CancellationToken cancellationToken)
    {
        var (videos, stored, storedIn) = await ResolveAsync(settings.Paths, settings.Index, settings.Backbone, settings.Pca, cancellationToken);
        var profile = await WithPcaAsync(stored, videos, modelFolder, dims, fit: false, cancellationToken);
        // A whitening added for the model folder makes other features than the index stores.
        var set = await FeaturesAsync(directory, videos, profile, profile == stored ? storedIn : null, cancellationToken);
        if (set.Source.Dims == dims) return set;
        await set.DisposeAsync();
        throw new ArgumentException($"the features of {profile} have D = {set.Source.Dims}, the networks D = {dims}");
    }

    private static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);
}
