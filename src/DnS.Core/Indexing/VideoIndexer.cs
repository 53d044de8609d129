using System.Diagnostics;
using System.Threading.Channels;
using DnS.Core.Features;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Core.Indexing;

/// <summary>
/// Indexes videos into a store as a pipeline: feature extraction (decode ∥ encode, several videos at once) →
/// networks → store, joined by bounded channels. One bad file never stops the batch: it is reported in
/// <see cref="IndexReport.Failed"/>. Videos whose id is already in the store are replaced. Completed videos are
/// committed every <see cref="VideoIndexerOptions.CommitEvery"/> videos, at the end, and on cancellation (then
/// the <see cref="OperationCanceledException"/> propagates), so finished work is never lost.
/// </summary>
public sealed class VideoIndexer
{
    private readonly IVideoFeatureExtractor _features;
    private readonly DnsModels _models;
    private readonly IVideoStore _store;
    private readonly VideoIndexerOptions _options;

    /// <summary>Creates an indexer.</summary>
    /// <exception cref="ArgumentException">The extractor's output, the networks and the store's schema do not fit together.</exception>
    public VideoIndexer(IVideoFeatureExtractor features, DnsModels models, IVideoStore store, VideoIndexerOptions? options = null)
    {
        if (features.Regions != models.Fine.Regions || features.Dimensions != models.Fine.Dims)
            throw new ArgumentException($"the extractor yields {features.Regions}×{features.Dimensions} region features, the networks expect {models.Fine.Regions}×{models.Fine.Dims}");
        var schema = VideoRecordFactory.SchemaOf(models);
        if (store.Schema != schema) throw new ArgumentException($"the store holds {store.Schema}, the networks produce {schema}");
        _features = features;
        _models = models;
        _store = store;
        _options = options ?? new VideoIndexerOptions();
    }

    /// <summary>Indexes the videos; see the type remarks for failure and cancellation behaviour.</summary>
    /// <param name="videos">The videos (ids unique within the run).</param>
    /// <param name="progress">Receives an <see cref="IndexProgress"/> after each video.</param>
    /// <param name="cancellationToken">Stops the run; completed videos are committed first.</param>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    public async Task<IndexReport> IndexAsync(IReadOnlyList<VideoSource> videos, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var duplicate = videos.GroupBy(v => v.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"id '{duplicate.Key}' is used by {string.Join(" and ", duplicate.Select(v => v.Path))}");

        var clock = Stopwatch.StartNew();
        var indexed = new List<string>();
        var failed = new List<IndexFailure>();
        long frames = 0;
        int sinceCommit = 0;
        var extracted = Channel.CreateBounded<(VideoSource Source, RegionFeatures? Features, Exception? Error)>(
            new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true });

        // Producer: extraction runs ExtractionParallelism videos at once; failures travel down the channel.
        var produce = Task.Run(async () =>
        {
            try
            {
                await Parallel.ForEachAsync(videos, new ParallelOptions { MaxDegreeOfParallelism = _options.ExtractionParallelism, CancellationToken = cancellationToken },
                    async (video, ct) =>
                    {
                        RegionFeatures? features = null;
                        Exception? error = null;
                        try { features = await _features.ExtractAsync(video.Path, ct); }
                        catch (Exception e) when (e is not OperationCanceledException) { error = e; }
                        await extracted.Writer.WriteAsync((video, features, error), ct);
                    });
                extracted.Writer.Complete();
            }
            catch (Exception e)
            {
                extracted.Writer.Complete(e);
            }
        }, CancellationToken.None);

        try
        {
            // Consumer: the networks and the store, on this task (the networks are cheap next to decoding).
            await foreach (var (source, features, error) in extracted.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (features is not null)
                {
                    try
                    {
                        var record = VideoRecordFactory.Create(_models, source.Id, features.Values);
                        await _store.AddAsync(record, CancellationToken.None);
                        indexed.Add(source.Id);
                        frames += features.Frames;
                        if (++sinceCommit >= _options.CommitEvery)
                        {
                            await _store.CommitAsync(CancellationToken.None);
                            sinceCommit = 0;
                        }
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                    {
                        failed.Add(new IndexFailure(source, e.Message, e));
                    }
                }
                else
                {
                    failed.Add(new IndexFailure(source, error!.Message, error));
                }
                progress?.Report(new IndexProgress(videos.Count, indexed.Count, failed.Count, frames, source.Id, clock.Elapsed));
            }
        }
        finally
        {
            // Keep every finished video, also when the run is cancelled or the producer failed.
            if (sinceCommit > 0) await _store.CommitAsync(CancellationToken.None);
            await produce;
        }
        return new IndexReport(indexed, failed, frames, clock.Elapsed);
    }
}
