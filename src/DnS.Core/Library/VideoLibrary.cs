using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Core.Library;

/// <summary>
/// The front door: an index folder together with everything that built it — feature extractor, PCA, networks — and
/// the source file of every video, all recorded in the store metadata inside the same atomic commit as the records
/// (keys <see cref="ProfileKey"/> and <see cref="SourcesKey"/>; docs/index-format.md). Add, re-index and remove
/// videos; search by file, id or record with any <see cref="SelectorPolicy"/>.
/// </summary>
/// <remarks>
/// Adding runs the shared ingestion pipeline (parallel extraction, per-video failures, commits by count, time and
/// size and on cancellation). A video already committed from the same unchanged file (same path, size and
/// modification time) is skipped unless re-indexing is asked. Indexes written by older <c>dns</c> versions (a
/// version 1 manifest with <c>dns-index.json</c> and <c>dns-sources.json</c> beside it) open; their first commit
/// moves the sidecars into the metadata. One writer at a time; searches are thread-safe.
/// </remarks>
public sealed class VideoLibrary : IAsyncDisposable
{
    /// <summary>The metadata key of the library profile (what built the index, versioned JSON).</summary>
    public const string ProfileKey = LibraryProfile.MetadataKey;

    /// <summary>The metadata key of the sources (JSON: id → path, size, modification time).</summary>
    public const string SourcesKey = "dns.sources";

    private static readonly JsonSerializerOptions SourcesJson = new(JsonSerializerDefaults.Web);

    private readonly FileVideoStore _store;
    private readonly IVideoFeatureExtractor _extractor;
    private readonly RetrievalEngine _engine;
    private readonly IngestionOptions _ingestion;
    private readonly LibraryProfile _profile;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private Dictionary<string, VideoSourceInfo> _sources;
    private readonly bool _readOnly;
    private readonly OnnxBackboneOptions? _session;
    private TextSide? _text;
    private InsetSide? _insets;
    // The inset side of query records made from files (CreateQueryAsync), for searches with +insets.
    private readonly ConditionalWeakTable<VideoRecord, InsetQuery> _insetQueries = [];
    private bool _migrating;
    private bool _disposed;

    private VideoLibrary(FileVideoStore store, bool readOnly, LibraryProfile profile, IVideoFeatureExtractor extractor, DnsModels models,
        Dictionary<string, VideoSourceInfo> sources, bool migrating, IngestionOptions ingestion, OnnxBackboneOptions? session, string? providerFallback)
    {
        _session = session;
        ProviderFallbackReason = providerFallback;
        _store = store;
        _readOnly = readOnly;
        _profile = profile;
        _extractor = extractor;
        Models = models;
        _engine = new RetrievalEngine(models, store);
        _sources = sources;
        _migrating = migrating;
        _ingestion = ingestion;
    }

    /// <summary>The index folder.</summary>
    public string Folder => _store.Directory;

    /// <summary>The networks that built the index (and encode queries).</summary>
    public DnsModels Models { get; }

    /// <summary>The feature extractor that built the index (owned by the library).</summary>
    public IVideoFeatureExtractor Features => _extractor;

    /// <summary>The extractor's options with paths resolved (the PCA is the copy inside the index folder), e.g. to extract training features the same way.</summary>
    public FeatureOptions FeatureOptions => _profile.Features(Folder) with { Session = _session };

    /// <summary>Why the backbone runs on the CPU although CUDA was asked for (<see cref="FeatureOptions.Session"/>); null when it runs where asked.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>The layout of the stored records.</summary>
    public StoreSchema Schema => _store.Schema;

    /// <summary>Live videos as of the last commit.</summary>
    public int Count => _store.Count;

    /// <summary>Ids of the live videos.</summary>
    public IReadOnlyList<string> Ids => _store.Ids;

    /// <summary>The source of every committed video (id → file, size, modification time when indexed).</summary>
    public IReadOnlyDictionary<string, VideoSourceInfo> Sources => _sources;

    /// <summary>The policy video searches use when none is given: <see cref="DefaultVideoPolicy"/> on an index that keeps
    /// region means (every index made since they exist); on an older one, its previous default, DnS at 30 % with a selector
    /// network, else top-100 re-ranking (region picks would read every fine feature at its first search).</summary>
    /// <remarks>On an index with an inset side (<see cref="HasInsets"/>) the policy ends in <c>+insets</c>.</remarks>
    public SelectorPolicy DefaultPolicy => (Schema.RegionMeans ? DefaultVideoPolicy
        : Models.Selector is not null ? SelectorPolicy.SelectorFraction(0.3) : SelectorPolicy.TopK(100)).WithInsets(HasInsets);

    /// <summary>Top-60 re-ranking of which 10 are region picks (<c>topk:60+regions:10</c>): on five renders of the realistic
    /// corpus within 0.005 mAP of fine-only at about 1/10 of its time, with the built-in coarse stage or a distilled one
    /// (ahead of <c>topk:100</c> and of DnS at 30 %; docs/evaluation.md).</summary>
    public static SelectorPolicy DefaultVideoPolicy { get; } = SelectorPolicy.TopK(60).WithRegionPicks(10);

    /// <summary>Whether <paramref name="folder"/> holds an index.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, IndexManifest.FileName));

    /// <summary>
    /// Creates a library in <paramref name="folder"/> (made if missing), or opens the one there for writing when it was
    /// built with the same extractor and networks. Features that need a PCA whitening and get none
    /// (<see cref="FeatureOptions.FitsPca"/>) have it fitted on <see cref="VideoLibraryOptions.PcaSample"/> first and
    /// stored in the folder; an index there already keeps the whitening it has. The profile is committed before this returns.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, a PCA to fit and no sample, or an index built with other options is there.</exception>
    /// <exception cref="FileNotFoundException">A backbone, PCA or weights file is missing.</exception>
    /// <exception cref="InvalidOperationException">ResNet-18 features in a host without the package DnS.Features.ResNet18, or no video of the PCA sample could be decoded.</exception>
    /// <exception cref="Text.ClipModelException"><see cref="VideoLibraryOptions.TextModel"/> is not a usable CLIP model folder.</exception>
    public static async Task<VideoLibrary> CreateAsync(string folder, VideoLibraryOptions options, CancellationToken cancellationToken = default)
    {
        // The text model is checked before anything is written.
        var text = options.TextModel is null ? default : await TextSide.DescribeAsync(options.TextModel, cancellationToken).ConfigureAwait(false);
        VideoLibrary library;
        try
        {
            library = await CreateMainAsync(folder, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            text.Model?.Dispose();
            throw;
        }
        try
        {
            if (text.Model is not null) await library.AttachTextAsync(text.Record, text.Model, cancellationToken).ConfigureAwait(false);
            if (options.Insets) await library.AddInsetsAsync(cancellationToken).ConfigureAwait(false);
            return library;
        }
        catch
        {
            await library.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<VideoLibrary> CreateMainAsync(string folder, VideoLibraryOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        folder = Path.GetFullPath(folder);
        var requested = LibraryProfile.FromOptions(options);
        var session = options.Features.Session;
        if (Exists(folder) && !await IsUnfinishedCreationAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            var existing = await OpenAsync(folder, readOnly: false, options.Ingestion, session, cancellationToken).ConfigureAwait(false);
            try
            {
                // Features that fit their whitening reuse the one the index has (fitted or given on its first run).
                string? InFolder(string? name) => name is null ? null : Path.Combine(folder, name);
                if (options.Features.FitsPca)
                    requested = requested with
                    {
                        Pca = requested.Pca ?? InFolder(existing._profile.Pca),
                        BuiltInPca = options.Features.Extractor == FeatureExtractorKind.Both ? requested.BuiltInPca ?? InFolder(existing._profile.BuiltInPca) : null,
                    };
                var wanted = await requested.InternalizeAsync(folder, copy: false, cancellationToken).ConfigureAwait(false);
                if (!existing._profile.SameAs(wanted))
                    throw new ArgumentException($"the index at {folder} was built with {existing._profile}; {wanted} needs an index built with it");
                if (options.CoarseEncoding is { } encoding && encoding != existing.Schema.CoarseEncoding)
                    throw new ArgumentException($"the index at {folder} keeps its coarse vectors as {existing.Schema.CoarseEncoding}, not {encoding}; the encoding is chosen when an index is created");
                return existing;
            }
            catch
            {
                await existing.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        string? fallback = null;
        var fitted = new List<string>();
        IVideoFeatureExtractor extractor;
        try
        {
            if (options.Features.FitsPca) requested = await FitPcaAsync(options, requested, fitted, reason => fallback = reason, cancellationToken).ConfigureAwait(false);
            extractor = (requested.Features(folder) with { Session = session }).CreateExtractor(reason => fallback = reason);
        }
        catch
        {
            DeleteFitted(fitted);
            throw;
        }
        FileVideoStore? store = null;
        try
        {
            var models = requested.CreateModels(folder, extractor);
            // Region means cost R·D + 4R bytes per video (about 1 % of its fine features) and spare region picks a pass over them.
            var schema = VideoRecordFactory.SchemaOf(models) with
            {
                CoarseEncoding = options.CoarseEncoding ?? VideoLibraryOptions.DefaultCoarseEncoding,
                RegionMeans = true,
            };
            VideoIndexer.CheckFit(extractor, models, schema);
            // The store first: it only makes an index of an empty folder, and the copies below are files it then owns.
            store = await FileVideoStore.CreateOrOpenAsync(folder, schema, cancellationToken).ConfigureAwait(false);
            var profile = await requested.InternalizeAsync(folder, copy: true, cancellationToken).ConfigureAwait(false);
            await store.SetMetadataAsync(ProfileKey, profile.ToJson(), cancellationToken).ConfigureAwait(false);
            await store.SetMetadataAsync(SourcesKey, SerializeSources([]), cancellationToken).ConfigureAwait(false);
            await store.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new VideoLibrary(store, readOnly: false, profile, extractor, models, new(StringComparer.Ordinal), migrating: false, options.Ingestion, session, fallback);
        }
        catch
        {
            extractor.Dispose();
            if (store is not null) await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            DeleteFitted(fitted);
        }
    }

    // Fits the missing whitenings on the sample (deterministic: PcaFitter orders and spreads the paths; both features fit
    // both parts in one pass) into temporary files, which the profile then copies into the index under their content hash.
    private static async Task<LibraryProfile> FitPcaAsync(VideoLibraryOptions options, LibraryProfile requested, List<string> fitted, Action<string> fallback,
        CancellationToken cancellationToken)
    {
        if (options.PcaSample is not { Count: > 0 } sample)
            throw new ArgumentException($"{FeatureOptions.Name(options.Features.Extractor)} features are PCA-whitened: give the videos to fit the whitening on ({nameof(VideoLibraryOptions)}.{nameof(VideoLibraryOptions.PcaSample)}) or a PCA file");
        // A whitening given for one part of both features is checked before the fit of the other, which takes minutes.
        if (options.Features.Extractor == FeatureExtractorKind.Both) FeatureOptions.CheckBothWhitenings(requested.BuiltInPca, requested.Pca);
        PcaFit[] fits;
        using (var raw = (options.Features with { Pca = null, BuiltInPca = null }).CreateExtractor(fallback))
        {
            int[] parts = raw is FusedFeatureExtractor fused ? [.. fused.PartDimensions] : [raw.Dimensions];
            fits = await PcaFitter.FitPartsAsync(raw, sample, [.. parts.Select(d => (d, Math.Min(VideoLibraryOptions.PcaComponents, d)))],
                VideoLibraryOptions.PcaSampleVectors, progress: null, cancellationToken).ConfigureAwait(false);
        }
        // The parts of both features: the built-in descriptor, then ResNet-18 (the one part of ResNet-18 features).
        if (fits.Length == 2 && requested.BuiltInPca is null) requested = requested with { BuiltInPca = await SaveFittedAsync(fits[0], fitted, cancellationToken).ConfigureAwait(false) };
        if (requested.Pca is null) requested = requested with { Pca = await SaveFittedAsync(fits[^1], fitted, cancellationToken).ConfigureAwait(false) };
        return requested;
    }

    private static async Task<string> SaveFittedAsync(PcaFit fit, List<string> fitted, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"dns-pca-{Guid.NewGuid():N}.safetensors");
        fitted.Add(path);
        await fit.Whitening.SaveAsync(path, cancellationToken).ConfigureAwait(false);
        return path;
    }

    private static void DeleteFitted(List<string> paths)
    {
        foreach (var path in paths)
            if (File.Exists(path)) File.Delete(path);
    }

    // A creation that failed between making the store and committing the profile (say, the disk filled while the PCA
    // was copied) leaves an index with no videos, no profile and no sidecar files: creating again finishes it.
    private static async Task<bool> IsUnfinishedCreationAsync(string folder, CancellationToken cancellationToken)
    {
        var store = await FileVideoStore.OpenAsync(folder, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
            return store.Count == 0 && !store.Metadata.ContainsKey(ProfileKey) && LegacyIndexFiles.ReadProfile(folder) is null;
    }

    /// <summary>Opens the library in <paramref name="folder"/>; its files are verified (copies by hash, the backbone by hash).</summary>
    /// <param name="folder">The index folder.</param>
    /// <param name="readOnly">Open for searching only (any number of readers), or for writing (one writer).</param>
    /// <param name="ingestion">Extraction and commit policy of <see cref="AddAsync"/> (default: <see cref="IngestionOptions"/>).</param>
    /// <param name="session">Threads and device of the backbone session (<see cref="FeatureOptions.Session"/>; default: CPU, ONNX Runtime's threads).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <exception cref="DirectoryNotFoundException">No index is there.</exception>
    /// <exception cref="InvalidDataException">The index records no profile, or a file it depends on changed.</exception>
    public static async Task<VideoLibrary> OpenAsync(string folder, bool readOnly = true, IngestionOptions? ingestion = null, OnnxBackboneOptions? session = null,
        CancellationToken cancellationToken = default)
    {
        ingestion ??= new IngestionOptions();
        ingestion.Validate();
        var store = await FileVideoStore.OpenAsync(folder, new FileVideoStoreOptions { ReadOnly = readOnly }, cancellationToken).ConfigureAwait(false);
        IVideoFeatureExtractor? extractor = null;
        try
        {
            folder = store.Directory;
            bool migrating = !store.Metadata.ContainsKey(ProfileKey);
            var profile = migrating
                ? LegacyIndexFiles.ReadProfile(folder) ?? throw new InvalidDataException(
                    $"{folder}: this index records neither what built it ({ProfileKey}) nor a {LegacyIndexFiles.ProfileFileName}; it was not written through VideoLibrary or dns, open it with FileVideoStore")
                : LibraryProfile.Parse(store.Metadata[ProfileKey], folder);
            await profile.VerifyAsync(folder, cancellationToken).ConfigureAwait(false);
            var sources = store.Metadata.TryGetValue(SourcesKey, out var json)
                ? ParseSources(json, folder)
                : LegacyIndexFiles.ReadSources(folder, store.Ids);
            string? fallback = null;
            extractor = (profile.Features(folder) with { Session = session }).CreateExtractor(reason => fallback = reason);
            var models = profile.CreateModels(folder, extractor);
            VideoIndexer.CheckFit(extractor, models, store.Schema);
            var text = store.Metadata.TryGetValue(TextSide.MetadataKey, out var textJson)
                ? await TextSide.OpenAsync(folder, textJson, readOnly, cancellationToken).ConfigureAwait(false)
                : null;
            try
            {
                var insets = store.Metadata.TryGetValue(InsetSide.MetadataKey, out var insetJson)
                    ? await InsetSide.OpenAsync(folder, insetJson, readOnly, cancellationToken).ConfigureAwait(false)
                    : null;
                return new VideoLibrary(store, readOnly, profile, extractor, models, sources, migrating, ingestion, session, fallback) { _text = text, _insets = insets };
            }
            catch
            {
                if (text is not null) await text.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            extractor?.Dispose();
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Indexes the videos: extracts each (several at once), runs the networks, stores and commits as the ingestion
    /// options say, recording each video's source in the same commits. A video already committed from the same
    /// unchanged file is skipped unless <paramref name="reindex"/>; an id indexed from another or a changed file is
    /// replaced. A file that fails is reported and the rest go on.
    /// </summary>
    /// <param name="videos">The videos (ids unique within the call).</param>
    /// <param name="reindex">Extract every video again, even when it is committed from the same unchanged file.</param>
    /// <param name="progress">Receives an <see cref="IndexProgress"/> after each video.</param>
    /// <param name="cancellationToken">Stops the run: finished videos are committed, then <see cref="OperationCanceledException"/> propagates.</param>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    /// <exception cref="InvalidOperationException">The library is open read-only.</exception>
    public async Task<IndexReport> AddAsync(IReadOnlyList<VideoSource> videos, bool reindex = false, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var staged = new Dictionary<string, VideoSourceInfo>(StringComparer.Ordinal);
            ICompanionSide[] sides = Sides;
            var stagedSides = new Dictionary<string, (VideoRecord?[] Records, VideoSourceInfo Source)>(StringComparer.Ordinal);
            bool MainCurrent(VideoSource video) => !reindex && _store.TryGetOrdinal(video.Id, out _)
                                                   && _sources.TryGetValue(video.Id, out var known) && known == VideoSourceInfo.Of(video.Path);
            bool SideCurrent(ICompanionSide side, VideoSource video) => !reindex && side.Companion.IsCurrent(video.Id, VideoSourceInfo.Of(video.Path));
            var pipeline = new IngestionPipeline<(VideoSourceInfo? Source, RegionFeatures? Features, VideoRecord?[] Sides)>(_store, _ingestion)
            {
                Extract = async (video, ct) =>
                {
                    // The file's state before extraction: a file changed meanwhile is seen as changed by the next run.
                    var source = VideoSourceInfo.Of(video.Path);
                    // Each side only when it is not current (a side added to an index, or one behind after a crash); the
                    // sides decode the file side by side (their frames are preprocessed differently).
                    var features = MainCurrent(video) ? null : _extractor.ExtractAsync(video.Path, ct);
                    var records = sides.Select(side => SideCurrent(side, video) ? null : side.ExtractRecordAsync(video.Id, video.Path, ct)).ToArray();
                    await Task.WhenAll(new Task?[] { features }.Concat(records).OfType<Task>()).ConfigureAwait(false);
                    return (source, features is null ? null : await features.ConfigureAwait(false),
                        [.. records.Select(r => r?.Result)]);
                },
                Records = (video, extracted) =>
                {
                    var source = extracted.Source ?? new VideoSourceInfo(Path.GetFullPath(video.Path), -1, DateTime.MinValue);
                    if (extracted.Sides.Any(r => r is not null)) stagedSides[video.Id] = (extracted.Sides, source);
                    if (extracted.Features is null) return [];
                    var record = VideoRecordFactory.Create(Models, video.Id, extracted.Features.Values);
                    staged[video.Id] = source;
                    return [record];
                },
                IsCurrent = video => MainCurrent(video) && sides.All(side => SideCurrent(side, video)),
                BeforeCommit = async (stored, ct) =>
                {
                    await StageMetadataAsync(stored.Where(v => staged.ContainsKey(v.Id)).Select(v => (v.Id, (VideoSourceInfo?)staged[v.Id])), ct).ConfigureAwait(false);
                    foreach (var video in stored)
                        if (stagedSides.Remove(video.Id, out var entry))
                            for (int i = 0; i < sides.Length; i++)
                                if (entry.Records[i] is { } record) await sides[i].Companion.StageAsync(record, entry.Source, ct).ConfigureAwait(false);
                },
                // The sides are committed after the main store, never ahead of it (CompanionStore).
                AfterCommit = sides.Length == 0 ? null : async ct =>
                {
                    foreach (var side in sides) await side.Companion.CommitAsync(ct).ConfigureAwait(false);
                },
            };
            try
            {
                return await pipeline.RunAsync(videos, progress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                AfterCommit();
            }
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Removes videos and their sources in one commit; returns how many were there.</summary>
    /// <exception cref="InvalidOperationException">The library is open read-only.</exception>
    public async Task<int> RemoveAsync(IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = new List<string>();
            var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
            // The sides first, so they never hold a video the main store does not (CompanionStore).
            foreach (var side in Sides)
            {
                await side.Companion.StageRemovalAsync(distinct, cancellationToken).ConfigureAwait(false);
                await side.Companion.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var id in distinct)
                if (await _store.RemoveAsync(id, cancellationToken).ConfigureAwait(false)) removed.Add(id);
            if (removed.Count == 0) return 0;
            await StageMetadataAsync(removed.Select(id => (id, (VideoSourceInfo?)null)), cancellationToken).ConfigureAwait(false);
            await _store.CommitAsync(cancellationToken).ConfigureAwait(false);
            AfterCommit();
            return removed.Count;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Adds region means to an index made before them (<see cref="FileVideoStore.AddRegionMeansAsync"/>: one
    /// commit rewriting every video's stored features, no extraction), after which <see cref="DefaultPolicy"/> is
    /// <see cref="DefaultVideoPolicy"/>. Does nothing when the index keeps them.</summary>
    /// <exception cref="InvalidOperationException">The library is open read-only.</exception>
    public async Task AddRegionMeansAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.AddRegionMeansAsync(cancellationToken).ConfigureAwait(false);
            AfterCommit();
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Extracts a video file and runs the networks: a query record (not stored). On an index with an inset side
    /// the file's inset features and thumbnails are extracted too (decoded side by side), for searches with
    /// <see cref="SelectorPolicy.Insets"/>.</summary>
    /// <param name="videoFile">The query video.</param>
    /// <param name="id">Its id in results (default: the file name without extension).</param>
    /// <param name="cancellationToken">Cancels the extraction.</param>
    /// <exception cref="Features.Decoding.VideoDecodingException">The file cannot be decoded.</exception>
    public async Task<VideoRecord> CreateQueryAsync(string videoFile, string? id = null, CancellationToken cancellationToken = default)
    {
        var features = _extractor.ExtractAsync(videoFile, cancellationToken);
        var insets = _insets?.ExtractAsync(videoFile, cancellationToken);
        await Task.WhenAll(new Task?[] { features, insets }.OfType<Task>()).ConfigureAwait(false);
        var record = VideoRecordFactory.Create(Models, id ?? Path.GetFileNameWithoutExtension(videoFile), (await features.ConfigureAwait(false)).Values);
        if (insets is not null)
        {
            var (insetFeatures, thumbnails) = await insets.ConfigureAwait(false);
            _insetQueries.Add(record, new InsetQuery(insetFeatures, thumbnails));
        }
        return record;
    }

    /// <summary>Searches with a video file (extracted on the fly; its id is the file name without extension, and an indexed video of that id is left out of the hits).</summary>
    /// <exception cref="Features.Decoding.VideoDecodingException">The file cannot be decoded.</exception>
    public async Task<SearchResult> SearchFileAsync(string videoFile, SelectorPolicy? policy = null, int top = 20, CancellationToken cancellationToken = default) =>
        Search(await CreateQueryAsync(videoFile, cancellationToken: cancellationToken).ConfigureAwait(false), policy, top, cancellationToken);

    /// <summary>Searches with an indexed video (left out of its own hits).</summary>
    /// <exception cref="KeyNotFoundException">No video has that id.</exception>
    public SearchResult Search(string id, SelectorPolicy? policy = null, int top = 20, CancellationToken cancellationToken = default) =>
        _store.TryGetRecord(id, out var query) ? Search(query, policy, top, cancellationToken) : throw new KeyNotFoundException($"no video '{id}' in the index");

    /// <summary>Searches with a query record (<see cref="CreateQueryAsync"/>, or an indexed video's from <see cref="TryGetRecord"/>).</summary>
    /// <exception cref="ArgumentException">The policy has <see cref="SelectorPolicy.Insets"/> and the record has no inset side
    /// (the index has none, or the record was made elsewhere).</exception>
    public SearchResult Search(VideoRecord query, SelectorPolicy? policy = null, int top = 20, CancellationToken cancellationToken = default)
    {
        policy ??= DefaultPolicy;
        if (!policy.Insets) return _engine.Search(query, policy, top, cancellationToken);
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        var scores = ScoreAll(query, policy, cancellationToken);
        // The engine's ranking: dead ordinals and the query itself left out, the best by TopK (ties: lower ordinal first).
        var ranked = new float[scores.Merged.Length];
        int live = RetrievalEngine.MaskDead(scores.Merged, scores.IsLive, ranked);
        int self = Array.IndexOf(scores.Ids, query.Id);
        if (self >= 0 && scores.IsLive[self])
        {
            ranked[self] = float.NegativeInfinity;
            live--;
        }
        var ordinals = new int[Math.Min(top, live)];
        TopK.Select(ranked, ordinals, new float[ordinals.Length]);
        var hits = ordinals.Select(o =>
        {
            float fine = scores.Fine[o];
            var stage = scores.InsetMoved?.Contains(o) == true ? ScoringStage.Inset : float.IsNaN(fine) ? ScoringStage.Coarse : ScoringStage.Fine;
            return new SearchHit(scores.Ids[o], scores.Merged[o], stage, scores.Coarse[o], fine);
        }).ToArray();
        return new SearchResult(query.Id, policy, hits, scores.Statistics);
    }

    /// <summary>Scores a query against every video (per store ordinal; <see cref="GetId"/> names them), e.g. for the FIVR results format.</summary>
    /// <exception cref="ArgumentException">As <see cref="Search(VideoRecord, SelectorPolicy?, int, CancellationToken)"/>.</exception>
    public StoreScores ScoreAll(VideoRecord query, SelectorPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        policy ??= DefaultPolicy;
        if (!policy.Insets) return _engine.ScoreAll(query, policy, cancellationToken);
        var insetQuery = InsetQueryOf(query, policy);
        return MoveInsets(query, insetQuery, _engine.ScoreAll(query, policy.WithInsets(false), cancellationToken), policy, cancellationToken);
    }

    /// <summary>Scores of many queries against every indexed video, with one coarse scan per batch of queries
    /// (<see cref="RetrievalEngine.ScoreAllBatch"/>: the results of <see cref="ScoreAll"/> one by one, produced lazily).</summary>
    /// <exception cref="ArgumentException">As <see cref="Search(VideoRecord, SelectorPolicy?, int, CancellationToken)"/>.</exception>
    public IEnumerable<StoreScores> ScoreAllBatch(IReadOnlyList<VideoRecord> queries, SelectorPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        policy ??= DefaultPolicy;
        if (!policy.Insets) return _engine.ScoreAllBatch(queries, policy, cancellationToken);
        var insetQueries = queries.Select(q => InsetQueryOf(q, policy)).ToArray();
        return _engine.ScoreAllBatch(queries, policy.WithInsets(false), cancellationToken)
            .Select((scores, i) => MoveInsets(queries[i], insetQueries[i], scores, policy, cancellationToken));
    }

    /// <summary>The id at a store ordinal of <see cref="ScoreAll"/>.</summary>
    public string GetId(int ordinal) => _store.GetId(ordinal);

    /// <summary>Finds a committed video's record.</summary>
    public bool TryGetRecord(string id, out VideoRecord record) => _store.TryGetRecord(id, out record);

    /// <summary>Videos, frames and bytes per component.</summary>
    public StorageReport GetStorageReport() => _store.GetStorageReport();

    /// <summary>Videos, frames and bytes of the text side (pooled embeddings as coarse, frame embeddings as fine), or null without one.</summary>
    public StorageReport? GetTextStorageReport() => _text?.Companion.Store.GetStorageReport();

    /// <summary>Throws <see cref="ArgumentException"/> unless the index was built with the networks of <paramref name="modelFolder"/> (same files by content, same settings).</summary>
    public async Task EnsureModelsAsync(string modelFolder, CancellationToken cancellationToken = default)
    {
        DnsModelsConfig? given = null;
        try
        {
            given = (await LibraryProfile.FromOptions(new VideoLibraryOptions { Models = modelFolder }).InternalizeAsync(Folder, copy: false, cancellationToken).ConfigureAwait(false)).Models;
        }
        catch (FileNotFoundException)
        {
            // A folder without the files cannot be the one the index copied them from.
        }
        if (_profile.Models is null || given is null || JsonSerializer.Serialize(_profile.Models, DnsModels.JsonOptions) != JsonSerializer.Serialize(given, DnsModels.JsonOptions))
            throw new ArgumentException($"the index at {Folder} was built with {_profile}; the model folder {modelFolder} needs an index built with it");
    }

    /// <summary>Whether the index has a text side (CLIP frame embeddings per video, docs/text-search.md).</summary>
    public bool HasText => _text is not null;

    /// <summary>The CLIP model folder of the text side, or null without one.</summary>
    public string? TextModelFolder => _text?.Record.Folder;


    /// <summary>The calibrated fine score from which the inset stage counts the cascade's matches as confident (its verified
    /// matches go just under it): the tier measured on the realistic corpus (docs/realistic-corpus.md).</summary>
    private const double ConfidentFineScore = 0.9;

    // The inset side of a query: extracted with it from a file, or an indexed video's own.
    private InsetQuery InsetQueryOf(VideoRecord query, SelectorPolicy policy)
    {
        var insets = _insets ?? throw new ArgumentException(
            $"policy '{policy}': {Folder} has no inset side; index with --insets (VideoLibraryOptions.Insets) first", nameof(policy));
        if (_insetQueries.TryGetValue(query, out var extracted)) return extracted;
        // An indexed video's record (the same coarse vector as the stored one, not merely the same id).
        using var snapshot = insets.Companion.Store.AcquireSnapshot();
        if (_store.TryGetRecord(query.Id, out var stored) && stored.Coarse.Span.SequenceEqual(query.Coarse.Span) && snapshot.TryGetRecord(query.Id, out var record))
        {
            var (features, thumbnails) = InsetSide.Decode(record);
            return new InsetQuery(features, thumbnails);
        }
        throw new ArgumentException($"query '{query.Id}' has no inset features: search with the video file (CreateQueryAsync, SearchFileAsync) or an indexed id whose inset side is extracted", nameof(query));
    }

    // The cascade's scores with the inset stage's verified matches moved to just under the confident tier.
    private StoreScores MoveInsets(VideoRecord query, InsetQuery insetQuery, StoreScores scores, SelectorPolicy policy, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var snapshot = _insets!.Companion.Store.AcquireSnapshot();
        if (snapshot.Count == 0) return scores;
        var stage = InsetSide.Stage(snapshot);
        var insetScores = stage.Score(insetQuery.Features, cancellationToken);
        var others = insetScores.Where(p => p.Key != query.Id).ToDictionary(StringComparer.Ordinal);
        var verified = stage.Verify(insetQuery.Features, insetQuery.Thumbnails, others, cancellationToken);
        double tier = ConfidentFineScore + (policy.Kind == SelectionKind.TopK ? Models.FineCalibration.ShortlistLift : 0);
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var ranking = new List<(string Id, double Score)>();
        for (int o = 0; o < scores.Merged.Length; o++)
            if (scores.IsLive[o] && scores.Ids[o] != query.Id)
            {
                ordinals[scores.Ids[o]] = o;
                ranking.Add((scores.Ids[o], scores.Merged[o]));
            }
        var merged = (float[])scores.Merged.Clone();
        var moved = new HashSet<int>();
        foreach (var (id, score) in stage.Rerank(ranking, insetScores, tier, verified))
        {
            int o = ordinals[id];
            if ((float)score == merged[o]) continue;
            merged[o] = (float)score;
            moved.Add(o);
        }
        return scores with { Merged = merged, InsetMoved = moved, Statistics = scores.Statistics with { Inset = clock.Elapsed } };
    }

    private sealed record InsetQuery(RegionFeatures Features, RegionFeatures Thumbnails);

    /// <summary>The policy text searches use when none is given: the slow stage re-ranks the fast stage's top 50.</summary>
    public static SelectorPolicy DefaultTextPolicy { get; } = SelectorPolicy.TopK(50);

    /// <summary>
    /// Gives the index a text side built with the CLIP model in <paramref name="modelFolder"/> (recorded with the
    /// SHA-256 of its files): the companion store is created in the subfolder <c>text</c>, then the main store records
    /// the model. Videos already indexed get their text embeddings at the next <see cref="AddAsync"/> of their files
    /// (only the text side is extracted for them). Nothing happens when the index already has a text side of that model.
    /// </summary>
    /// <exception cref="Text.ClipModelException">The folder is not a usable CLIP model; the message names the file.</exception>
    /// <exception cref="ArgumentException">The index has a text side of another model.</exception>
    /// <exception cref="InvalidOperationException">The library is open read-only.</exception>
    public async Task AddTextModelAsync(string modelFolder, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        var (record, model) = await TextSide.DescribeAsync(modelFolder, cancellationToken).ConfigureAwait(false);
        await AttachTextAsync(record, model, cancellationToken).ConfigureAwait(false);
    }

    // Takes ownership of the model.
    private async Task AttachTextAsync(TextModelRecord record, Text.ClipModel model, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        try
        {
            if (_text is not null)
            {
                model.Dispose();
                if (_text.Record.SameModel(record)) return;
                throw new ArgumentException($"the index at {Folder} has a text side built with {_text.Record}; {record} needs an index built with it");
            }
            var text = await TextSide.OpenAsync(Folder, record, model, readOnly: false, cancellationToken).ConfigureAwait(false);
            await AttachSideAsync(text, TextSide.MetadataKey, record.ToJson(), cancellationToken).ConfigureAwait(false);
            _text = text;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Gives the index an inset side (<see cref="VideoLibraryOptions.Insets"/>): the companion store is created in the
    /// subfolder <c>insets</c>, then the main store records its layout. Videos already indexed get their inset records at
    /// the next <see cref="AddAsync"/> of their files (only the inset side is extracted for them). Nothing happens when
    /// the index already has one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The library is open read-only.</exception>
    public async Task AddInsetsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_insets is not null) return;
            string json = InsetSide.Layout.ToJson();
            var insets = await InsetSide.OpenAsync(Folder, json, readOnly: false, cancellationToken).ConfigureAwait(false);
            await AttachSideAsync(insets, InsetSide.MetadataKey, json, cancellationToken).ConfigureAwait(false);
            _insets = insets;
        }
        finally
        {
            _writer.Release();
        }
    }

    // Records a newly opened side in the main store (under the writer lock); disposes it when that fails.
    private async Task AttachSideAsync(ICompanionSide side, string metadataKey, string json, CancellationToken cancellationToken)
    {
        try
        {
            // A companion the main store does not name is what an attach killed before its last commit left: emptied.
            if (side.Companion.Store.Count > 0)
            {
                await side.Companion.StageRemovalAsync(side.Companion.Store.Ids.ToList(), cancellationToken).ConfigureAwait(false);
                await side.Companion.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            await _store.SetMetadataAsync(metadataKey, json, cancellationToken).ConfigureAwait(false);
            await _store.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await side.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the index has an inset side (<see cref="VideoLibraryOptions.Insets"/>).</summary>
    public bool HasInsets => _insets is not null;

    /// <summary>The storage of the inset side, or null when the index has none.</summary>
    public StorageReport? GetInsetStorageReport() => _insets?.Companion.Store.GetStorageReport();

    /// <summary>
    /// Searches the videos by text (<i>Thinking Fast and Slow</i>): the fast stage ranks every video by the dot product of
    /// the query's CLIP embedding with its pooled video embedding, the slow stage re-scores the videos the policy
    /// selects with text-conditioned attention over their frame embeddings (<see cref="Text.TextVideoScoring.SlowScore"/>,
    /// τ = 1 / the model's logit scale). Hits carry the fast score as <see cref="SearchHit.CoarseScore"/> and the slow
    /// one as <see cref="SearchHit.FineScore"/>; under top-K the re-ranked videos come first.
    /// </summary>
    /// <param name="query">The text.</param>
    /// <param name="policy"><c>coarse</c> (fast only), <c>fine</c> (slow for every video) or <c>topk:K</c> (default <see cref="DefaultTextPolicy"/>).</param>
    /// <param name="top">Hits to return.</param>
    /// <param name="cancellationToken">Stops the slow stage.</param>
    /// <exception cref="InvalidOperationException">The index has no text side.</exception>
    /// <exception cref="ArgumentException">A selector policy (it scores pairs of videos).</exception>
    public SearchResult SearchText(string query, SelectorPolicy? policy = null, int top = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return SearchTextEmbedding(query, EncodeText([query]), policy, top, cancellationToken);
    }

    /// <summary><see cref="SearchText"/> with the query already embedded (<see cref="EncodeText"/>).</summary>
    internal SearchResult SearchTextEmbedding(string query, ReadOnlyMemory<float> embedding, SelectorPolicy? policy, int top, CancellationToken cancellationToken) =>
        RequireText().Search.Search(query, embedding, policy ?? DefaultTextPolicy, top, cancellationToken);

    /// <summary>Embeds texts with the text side's CLIP model: a row-major [texts, D] matrix of L2-normalized rows.</summary>
    /// <exception cref="InvalidOperationException">The index has no text side.</exception>
    public float[] EncodeText(IReadOnlyList<string> texts) => RequireText().EncodeText(texts);

    /// <summary>A video's stored text-side embeddings (copies), or null when the text side does not hold it.</summary>
    /// <exception cref="InvalidOperationException">The index has no text side.</exception>
    public TextEmbeddings? GetTextEmbeddings(string id)
    {
        using var snapshot = RequireText().Companion.Store.AcquireSnapshot();
        return snapshot.TryGetRecord(id, out var record)
            ? new TextEmbeddings(id, record.Frames, record.FineFloats.ToArray(), record.Coarse.ToArray())
            : null;
    }

    // The companion sides the index has (each its own store, committed after the main store).
    private ICompanionSide[] Sides => new ICompanionSide?[] { _text, _insets }.OfType<ICompanionSide>().ToArray();

    private TextSide RequireText()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _text ?? throw new InvalidOperationException(
            $"{Folder}: the index has no text side; add one with a CLIP model folder (dns index --text-model DIR, or VideoLibrary.AddTextModelAsync)");
    }

    /// <summary>What built the library, in words.</summary>
    public override string ToString() => _profile.ToString();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _extractor.Dispose();
        foreach (var side in Sides) await side.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
    }

    // Stages the profile (an old index's first commit) and the sources after the given changes (null: removed).
    private async ValueTask StageMetadataAsync(IEnumerable<(string Id, VideoSourceInfo? Source)> changes, CancellationToken cancellationToken)
    {
        // On top of the last commit's sources (an earlier commit of this run included), or an old index's sidecar.
        var sources = _store.Metadata.TryGetValue(SourcesKey, out var committed)
            ? ParseSources(committed, Folder)
            : new Dictionary<string, VideoSourceInfo>(_sources, StringComparer.Ordinal);
        foreach (var (id, source) in changes)
            if (source is null) sources.Remove(id);
            else sources[id] = source;
        if (_migrating)
        {
            var profile = await _profile.InternalizeAsync(Folder, copy: true, cancellationToken).ConfigureAwait(false);
            await _store.SetMetadataAsync(ProfileKey, profile.ToJson(), cancellationToken).ConfigureAwait(false);
        }
        await _store.SetMetadataAsync(SourcesKey, SerializeSources(sources), cancellationToken).ConfigureAwait(false);
    }

    // Re-reads what the last commit made durable (also after a failed or canceled run).
    private void AfterCommit()
    {
        if (_migrating && _store.Metadata.ContainsKey(ProfileKey))
        {
            _migrating = false;
            LegacyIndexFiles.Delete(Folder);
        }
        if (_store.Metadata.TryGetValue(SourcesKey, out var json)) _sources = ParseSources(json, Folder);
    }

    private void ThrowIfReadOnly()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly) throw new InvalidOperationException($"{Folder}: the library is open read-only");
    }

    internal static string SerializeSources(Dictionary<string, VideoSourceInfo> sources) =>
        JsonSerializer.Serialize(new SortedDictionary<string, VideoSourceInfo>(sources, StringComparer.Ordinal), SourcesJson);

    internal static Dictionary<string, VideoSourceInfo> ParseSources(string json, string folder)
    {
        try
        {
            var sources = JsonSerializer.Deserialize<Dictionary<string, VideoSourceInfo>>(json, SourcesJson) ?? throw new JsonException("null");
            return new Dictionary<string, VideoSourceInfo>(sources, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{folder}: the video sources ({SourcesKey}) are malformed: {e.Message}", e);
        }
    }
}
