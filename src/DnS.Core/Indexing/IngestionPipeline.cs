using System.Diagnostics;
using System.Threading.Channels;
using DnS.Core.Storage;

namespace DnS.Core.Indexing;

/// <summary>
/// The one path from video files into a store, shared by every writer of extracted features (the index, the
/// training feature sets, the augmented views): extraction runs <see cref="IngestionOptions.ExtractionParallelism"/>
/// videos at once into a bounded channel; one consumer turns each result into records, stores them and commits by
/// <see cref="IngestionOptions"/> (count, time, bytes), at the end and on cancellation, so finished work is never
/// lost. A video that fails is reported in <see cref="IndexReport.Failed"/> and the rest go on.
/// </summary>
/// <typeparam name="T">What extraction yields for one video.</typeparam>
internal sealed class IngestionPipeline<T>
{
    private readonly IVideoStore _store;
    private readonly IngestionOptions _options;

    /// <summary>Creates a pipeline into <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public IngestionPipeline(IVideoStore store, IngestionOptions options)
    {
        options.Validate();
        _store = store;
        _options = options;
    }

    /// <summary>Extracts one video (runs in parallel; exceptions other than cancellation are the video's failure).</summary>
    public required Func<VideoSource, CancellationToken, Task<T>> Extract { get; init; }

    /// <summary>The records one extracted video stores (runs on the single consumer; argument, data or state errors are the video's failure).</summary>
    public required Func<VideoSource, T, IReadOnlyList<VideoRecord>> Records { get; init; }

    /// <summary>True for a video the store already holds from the same source: it is skipped. Default: none is.</summary>
    public Func<VideoSource, bool> IsCurrent { get; init; } = _ => false;

    /// <summary>Stages what goes with a commit (e.g. metadata), given the videos stored since the previous one.</summary>
    public Func<IReadOnlyList<VideoSource>, CancellationToken, ValueTask>? BeforeCommit { get; init; }

    /// <summary>Runs after each commit of the store (e.g. commits a companion store that must never be ahead of it).</summary>
    public Func<CancellationToken, Task>? AfterCommit { get; init; }

    /// <summary>Runs the videos through; see the type remarks.</summary>
    /// <exception cref="ArgumentException">Two videos share an id.</exception>
    /// <exception cref="OperationCanceledException">Canceled, after finished videos were committed.</exception>
    public async Task<IndexReport> RunAsync(IReadOnlyList<VideoSource> videos, IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        VideoSource.ThrowIfIdsRepeat(videos);

        var clock = Stopwatch.StartNew();
        var indexed = new List<string>();
        var skipped = new List<string>();
        var failed = new List<IndexFailure>();
        var todo = new List<VideoSource>();
        long frames = 0;
        foreach (var video in videos)
        {
            if (!IsCurrent(video)) { todo.Add(video); continue; }
            skipped.Add(video.Id);
            progress?.Report(new IndexProgress(videos.Count, 0, skipped.Count, 0, 0, video.Id, clock.Elapsed));
        }

        var commits = new CommitPolicy(this);
        var extracted = Channel.CreateBounded<(VideoSource Source, T? Result, Exception? Error)>(
            new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true });
        var produce = Task.Run(() => ProduceAsync(todo, extracted.Writer, cancellationToken), CancellationToken.None);
        try
        {
            await foreach (var (source, result, error) in extracted.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var failure = error;
                if (failure is null)
                {
                    try
                    {
                        var records = Records(source, result!);
                        foreach (var record in records) record.Validate(_store.Schema);
                        foreach (var record in records) await _store.AddAsync(record, CancellationToken.None).ConfigureAwait(false);
                        indexed.Add(source.Id);
                        frames += records.Count > 0 ? records[0].Frames : 0;
                        await commits.StoredAsync(source, records).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException)
                    {
                        failure = e;
                    }
                }
                if (failure is not null) failed.Add(new IndexFailure(source, failure.Message, failure));
                progress?.Report(new IndexProgress(videos.Count, indexed.Count, skipped.Count, failed.Count, frames, source.Id, clock.Elapsed));
            }
        }
        finally
        {
            // Keep every finished video, also when the run is canceled or the producer failed.
            await commits.FlushAsync().ConfigureAwait(false);
            await produce.ConfigureAwait(false);
        }
        return new IndexReport(indexed, skipped, failed, frames, commits.Count, clock.Elapsed);
    }

    private async Task ProduceAsync(List<VideoSource> videos, ChannelWriter<(VideoSource, T?, Exception?)> writer, CancellationToken cancellationToken)
    {
        try
        {
            await Parallel.ForEachAsync(videos, new ParallelOptions { MaxDegreeOfParallelism = _options.ExtractionParallelism, CancellationToken = cancellationToken },
                async (video, ct) =>
                {
                    T? result = default;
                    Exception? error = null;
                    try { result = await Extract(video, ct).ConfigureAwait(false); }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { error = e; }
                    await writer.WriteAsync((video, result, error), ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }

    /// <summary>Counts what is staged and commits when the first of count, time and bytes is reached.</summary>
    private sealed class CommitPolicy(IngestionPipeline<T> pipeline)
    {
        private readonly List<VideoSource> _staged = [];
        private readonly Stopwatch _sinceCommit = Stopwatch.StartNew();
        private long _bytes;

        public int Count { get; private set; }

        public async Task StoredAsync(VideoSource source, IReadOnlyList<VideoRecord> records)
        {
            _staged.Add(source);
            foreach (var r in records) _bytes += (long)(r.Coarse.Length + r.FineFloats.Length) * sizeof(float) + (long)r.FineCodes.Length * sizeof(ulong);
            var options = pipeline._options;
            if (_staged.Count >= options.CommitEveryVideos || _bytes >= options.CommitEveryBytes || _sinceCommit.Elapsed >= options.CommitInterval)
                await FlushAsync().ConfigureAwait(false);
        }

        public async Task FlushAsync()
        {
            if (_staged.Count == 0) return;
            if (pipeline.BeforeCommit is { } before) await before(_staged, CancellationToken.None).ConfigureAwait(false);
            await pipeline._store.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            if (pipeline.AfterCommit is { } after) await after(CancellationToken.None).ConfigureAwait(false);
            Count++;
            _staged.Clear();
            _bytes = 0;
            _sinceCommit.Restart();
        }
    }
}
