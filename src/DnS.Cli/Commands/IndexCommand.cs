using System.ComponentModel;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns index</c>: index video files and folders into a library (an on-disk index that records what built it and where each video came from).</summary>
internal sealed class IndexCommand : AsyncCommand<IndexCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandArgument(0, "[files-or-folders]")]
        [Description("Video files, or folders searched recursively for known video extensions.")]
        public string[] Paths { get; init; } = [];

        [CommandOption("--index <DIR>")]
        [Description("The index directory (created if missing).")]
        public string Index { get; init; } = "";

        [CommandOption("--models <DIR>")]
        [Description("Trained DnS networks (dns-models.json + safetensors); default: the built-in parameter-free models.")]
        public string? Models { get; init; }

        [CommandOption("--features <FEATURES>")]
        [Description("both (default for a new index: the built-in descriptor and ResNet-18 side by side from one decoding, built-in whitened to 128 and ResNet-18 to 512, one 640-d region vector weighing their cosines 0.75 : 0.25; the best measured on real footage, docs/realistic-corpus.md) | builtin (the built-in frame descriptor alone: no model, 5× smaller, faster to index) | resnet18 (ImageNet ResNet-18 L3-iMAC, PCA-whitened to 512 on these videos) | onnx:FILE (a ResNet-style ONNX backbone exposing its four stage maps). Recorded in the index and used for its queries.")]
        public string? Features { get; init; }

        [CommandOption("--backbone <ONNX>")]
        [Description("The same as --features onnx:ONNX.")]
        public string? Backbone { get; init; }

        [CommandOption("--pca <FILE>")]
        [Description("PCA whitening (safetensors) applied to the backbone's region vectors; with resnet18 or both (its ResNet-18 part) and no --pca, dns index fits one on a sample of the videos and keeps it in the index.")]
        public string? Pca { get; init; }

        [CommandOption("--builtin-pca <FILE>")]
        [Description("With --features both: PCA whitening (safetensors) of the built-in part's 128-d regions; without it, dns index fits one on a sample of the videos (in the same pass as the ResNet-18 part's) and keeps it in the index.")]
        public string? BuiltInPca { get; init; }

        [CommandOption("--binary")]
        [Description("Built-in models: store packed-bit codes (Hamming re-ranking) instead of floats.")]
        public bool Binary { get; init; }

        [CommandOption("--text-model <DIR>")]
        [Description("A CLIP model folder (config.json, text.onnx, vision.onnx, BPE vocabulary): also store CLIP frame embeddings for `dns search --text`. Given for an index without a text side, it adds one (the indexed videos get their text embeddings at this run).")]
        public string? TextModel { get; init; }

        [CommandOption("--insets")]
        [Description("Also keep an inset side (picture-in-picture features and 192² luma thumbnails, about 48 KB per frame in insets/), so that searches find copies showing a query shrunk inside other footage; its default policy then ends in +insets. Given for an index without one, it adds one (the indexed videos get theirs at this run).")]
        public bool Insets { get; init; }

        [CommandOption("--coarse <ENCODING>")]
        [Description("How a new index keeps coarse vectors: both (int8 codes scanned, floats re-score the best; default), int8 (4x smaller, approximate coarse scores) or float.")]
        public string? Coarse { get; init; }

        [CommandOption("--region-means")]
        [Description("An index made before region means: add them (one rewrite of its stored features, no extraction), after which its default policy is topk:60+regions:10. New indexes have them. Videos are optional with it.")]
        public bool RegionMeans { get; init; }

        [CommandOption("--reindex")]
        [Description("Extract every video again, also those already indexed from the same unchanged file (by default they are skipped).")]
        public bool Reindex { get; init; }

        public override ValidationResult Validate() =>
            Index.Length == 0 ? ValidationResult.Error("--index is required")
            : Paths.Length == 0 && !RegionMeans ? ValidationResult.Error("give at least one video file or folder")
            : Features is not null && Backbone is not null ? ValidationResult.Error("give --features or --backbone, not both")
            : Coarse is not null && ParseCoarse(Coarse) is null ? ValidationResult.Error($"--coarse must be int8, float or both, not '{Coarse}'")
            : base.Validate();

        /// <exception cref="ArgumentException">An unknown --features value.</exception>
        /// <param name="newIndex">
        /// The index does not exist yet: without --features it gets <see cref="DefaultFeatures"/>. An existing index is
        /// compared with the built-in descriptor, as before that default, so its own options are checked the same way.
        /// </param>
        public FeatureOptions ToFeatureOptions(bool newIndex) =>
            (Features is not null ? FeatureOptions.Parse(Features)
                : Backbone is not null || !newIndex ? new FeatureOptions { Backbone = Backbone }
                : new FeatureOptions { Extractor = DefaultFeatures }) with { Pca = Pca, BuiltInPca = BuiltInPca, Session = Session() };
    }

    /// <summary>
    /// The features of a new index without <c>--features</c>: both, by measurement on the realistic corpus (issue #12):
    /// fine-only DSVR 0.911 against 0.883 for the built-in descriptor, the default top-100 cascade 0.904 against 0.876,
    /// coarse-only 0.876 against 0.848. The library's own default stays the built-in descriptor, since DnS.Core does not
    /// carry the ResNet-18 model; this tool does.
    /// </summary>
    internal const FeatureExtractorKind DefaultFeatures = FeatureExtractorKind.Both;

    /// <summary>The encoding a <c>--coarse</c> value names, or null.</summary>
    internal static CoarseEncoding? ParseCoarse(string text) => text.ToLowerInvariant() switch
    {
        "float" => CoarseEncoding.Float,
        "int8" => CoarseEncoding.Int8,
        "both" => CoarseEncoding.Int8AndFloat,
        _ => null,
    };

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var videos = VideoFiles.Expand(settings.Paths);
        // An existing index is reopened as it was built; options given on the command line must match it.
        bool profileGiven = settings.Models is not null || settings.Features is not null || settings.Backbone is not null || settings.Pca is not null || settings.BuiltInPca is not null || settings.Binary || settings.Coarse is not null;
        bool exists = VideoLibrary.Exists(settings.Index);
        if (settings.Paths.Length == 0 && !exists)
            throw new ArgumentException($"{settings.Index} holds no index: --region-means without videos updates an existing one");
        var features = settings.ToFeatureOptions(newIndex: !exists);
        bool reopen = exists && !profileGiven;
        if (!reopen && features.FitsPca && !exists)
            Console.WriteLine($"fitting the PCA whitening of the {features.Extractor.ToString().ToLowerInvariant()} features on a sample of the {videos.Count} videos " +
                              $"(up to {VideoLibraryOptions.PcaSampleVectors} region vectors; --pca FILE{(features.Extractor == FeatureExtractorKind.Both ? " and --builtin-pca FILE give them" : " gives one")} instead)");
        await using var library = reopen
            ? await VideoLibrary.OpenAsync(settings.Index, readOnly: false, session: features.Session, cancellationToken: cancellationToken)
            : await VideoLibrary.CreateAsync(settings.Index, new VideoLibraryOptions
            {
                Models = settings.Models,
                Binary = settings.Binary,
                CoarseEncoding = settings.Coarse is null ? null : ParseCoarse(settings.Coarse),
                Features = features,
                PcaSample = [.. videos.Select(v => v.Path)],
                TextModel = settings.TextModel,
                Insets = settings.Insets,
            }, cancellationToken);
        DeviceSettings.ReportFallback(library);
        // An index without a text side gets one (its indexed videos get their text embeddings in this run).
        if (reopen && settings.TextModel is not null) await library.AddTextModelAsync(settings.TextModel, cancellationToken);
        if (settings.Insets) await library.AddInsetsAsync(cancellationToken);
        if (settings.RegionMeans && !library.Schema.RegionMeans)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await library.AddRegionMeansAsync(cancellationToken);
            Console.WriteLine($"added region means to the {library.Count} videos of {settings.Index} in {clock.Elapsed.TotalSeconds:F1} s " +
                              $"({library.Schema.RegionMeanBytesPerVideo / 1024.0:F2} KB/video); the default policy is now {library.DefaultPolicy}");
        }
        if (settings.Paths.Length == 0) return ExitCodes.Success;

        IndexReport report;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            report = await AnsiConsole.Progress().StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("indexing", maxValue: videos.Count);
                return await library.AddAsync(videos, settings.Reindex, new Progress<IndexProgress>(p =>
                {
                    task.Value = p.Completed;
                    task.Description = $"indexing ({p.Failed} failed)";
                }), cancellationToken);
            });
        }
        else
        {
            report = await library.AddAsync(videos, settings.Reindex, new Progress<IndexProgress>(p =>
                Console.WriteLine($"[{p.Completed}/{p.Total}] {p.LastId}")), cancellationToken);
        }

        var storage = library.GetStorageReport();
        // A run that only filled a text or inset side encodes no main frames: say so instead of 0 frames/s.
        string frames = report.Frames > 0 || report.Indexed.Count == 0
            ? $"({report.Frames} frames) in {report.Elapsed.TotalSeconds:F1} s — {report.Frames / Math.Max(report.Elapsed.TotalSeconds, 1e-9):F1} frames/s"
            : $"(their main features were current: only the text or inset side was extracted) in {report.Elapsed.TotalSeconds:F1} s";
        Console.WriteLine($"indexed {report.Indexed.Count} of {videos.Count} videos, {report.Skipped.Count} unchanged since the last run {frames}; " +
                          $"index holds {storage.Videos} videos, {storage.TotalBytesPerVideo / 1024:F1} KB/video");
        foreach (var failure in report.Failed)
            Console.Error.WriteLine($"failed: {failure.Source.Path}: {failure.Reason}");
        return report.Failed.Count == 0 ? ExitCodes.Success : ExitCodes.SomeFailed;
    }
}
