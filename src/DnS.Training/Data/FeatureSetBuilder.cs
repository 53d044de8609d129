using System.Diagnostics;
using DnS.Core.Features;
using DnS.Core.Storage;

namespace DnS.Training.Data;

/// <summary>
/// Extracts the region features of video files once into a training feature store: a <see cref="FileVideoStore"/>
/// with no coarse embedding and the raw T×R×D floats as fine features (<see cref="SchemaFor"/>). Training then
/// streams them from the memory-mapped store (<see cref="OpenAsync"/>), so a corpus larger than RAM works.
/// </summary>
/// <remarks>
/// Runs are resumable: ids already in the store are skipped, and finished videos are committed every
/// <see cref="FeatureSetBuilderOptions.CommitEvery"/> videos, at the end and on cancellation, so a crash loses at most
/// one batch. A file that cannot be extracted is reported in <see cref="FeatureSetReport.Failed"/> and the rest go on.
/// </remarks>
public sealed class FeatureSetBuilder
{
    private readonly IVideoFeatureExtractor _extractor;
    private readonly FeatureSetBuilderOptions _options;

    /// <summary>Creates a builder over <paramref name="extractor"/> (not owned: the caller disposes it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Parallelism or commit interval below 1.</exception>
    public FeatureSetBuilder(IVideoFeatureExtractor extractor, FeatureSetBuilderOptions? options = null)
    {
        _extractor = extractor;
        _options = options ?? new FeatureSetBuilderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Parallelism, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.CommitEvery, 1, nameof(options));
    }

    /// <summary>The schema of a training feature store: no coarse embedding, raw float region vectors.</summary>
    public static StoreSchema SchemaFor(int regions, int dims) => new(0, FineFeatureKind.Float, regions, dims);

    /// <summary>Opens a feature store built by <see cref="BuildAsync"/> for reading.</summary>
    /// <exception cref="DirectoryNotFoundException">No store exists there.</exception>
    /// <exception cref="ArgumentException">The store keeps no float region features.</exception>
    public static async Task<FeatureSet> OpenAsync(string directory, CancellationToken cancellationToken = default)
    {
        var store = await FileVideoStore.OpenAsync(directory, new FileVideoStoreOptions { ReadOnly = true }, cancellationToken);
        try { return new FeatureSet(store); }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Extracts every video not yet in the store at <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">The feature store folder.</param>
    /// <param name="videos">Ids (unique) and file paths.</param>
    /// <param name="progress">Receives a <see cref="FeatureSetProgress"/> after each video.</param>
    /// <param name="cancellationToken">Stops the run; finished videos are committed first, then the cancellation propagates.</param>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    /// <exception cref="InvalidOperationException">The store exists with another schema (another extractor), or is locked by another writer.</exception>
    public async Task<FeatureSetReport> BuildAsync(string directory, IReadOnlyList<(string Id, string Path)> videos,
        IProgress<FeatureSetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, path) in videos)
            if (!seen.TryAdd(id, path)) throw new ArgumentException($"id '{id}' is used by {seen[id]} and {path}", nameof(videos));

        var clock = Stopwatch.StartNew();
        await using var store = await FileVideoStore.CreateOrOpenAsync(directory, SchemaFor(_extractor.Regions, _extractor.Dimensions), cancellationToken);
        var extracted = new List<string>();
        var skipped = new List<string>();
        var failed = new List<FeatureSetFailure>();
        var todo = new List<(string Id, string Path)>();
        long frames = 0;
        int pending = 0;
        foreach (var video in videos)
        {
            if (!store.TryGetOrdinal(video.Id, out _)) { todo.Add(video); continue; }
            skipped.Add(video.Id);
            progress?.Report(new FeatureSetProgress(videos.Count, 0, skipped.Count, 0, 0, video.Id, clock.Elapsed));
        }

        // Bookkeeping and commits are serialised; extraction (the slow part) runs outside the gate.
        using var gate = new SemaphoreSlim(1, 1);
        try
        {
            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken },
                async (video, ct) =>
                {
                    RegionFeatures? features = null;
                    Exception? error = null;
                    try
                    {
                        features = await _extractor.ExtractAsync(video.Path, ct);
                        if (features.Regions != _extractor.Regions || features.Dimensions != _extractor.Dimensions || features.Frames < 1)
                            throw new InvalidDataException($"{video.Path}: the extractor returned {features.Frames}×{features.Regions}×{features.Dimensions} features, expected T ≥ 1 × {_extractor.Regions}×{_extractor.Dimensions}");
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        error = e;
                    }
                    await gate.WaitAsync(CancellationToken.None);
                    try
                    {
                        if (error is null)
                        {
                            await store.AddAsync(new VideoRecord(video.Id, features!.Frames, ReadOnlyMemory<float>.Empty, features.Values, ReadOnlyMemory<ulong>.Empty, float.NaN), CancellationToken.None);
                            extracted.Add(video.Id);
                            frames += features.Frames;
                            if (++pending >= _options.CommitEvery)
                            {
                                await store.CommitAsync(CancellationToken.None);
                                pending = 0;
                            }
                        }
                        else
                        {
                            failed.Add(new FeatureSetFailure(video.Id, video.Path, error.Message, error));
                        }
                        progress?.Report(new FeatureSetProgress(videos.Count, extracted.Count, skipped.Count, failed.Count, frames, video.Id, clock.Elapsed));
                    }
                    finally { gate.Release(); }
                });
        }
        finally
        {
            // Keep every finished video, also when the run is cancelled.
            if (pending > 0) await store.CommitAsync(CancellationToken.None);
        }
        return new FeatureSetReport(extracted, skipped, failed, frames, clock.Elapsed);
    }
}
