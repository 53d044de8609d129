using System.Buffers;
using DnS.Core.Features;
using DnS.Core.Features.Decoding;
using DnS.Core.Indexing;
using DnS.Core.Storage;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// Makes the augmented views of S2VS-style training once, on disk: each video is decoded once, every decoded batch is
/// edited K times on its pixels (one <see cref="PixelAugmentation"/> per view, drawn from the seed, the video id and
/// the view number) and encoded to region features, and the views are stored as <c>&lt;video&gt;#&lt;view&gt;</c>
/// (<see cref="AugmentedViewId"/>) in a store with float fine features (schema: coarse 0, Float, R, D). Training then
/// streams them from the memory-mapped store and adds the temporal edits online.
/// </summary>
public sealed class AugmentedViewExtractor
{
    private readonly IFrameFeatureEncoder _encoder;
    private readonly VideoFrameDecoder _decoder;
    private readonly PixelAugmentationOptions _augmentation;

    /// <summary>Creates the extractor.</summary>
    /// <param name="encoder">Frame encoder (for example a <c>BuiltInFeatureExtractor</c> or <c>BackboneFeatureExtractor</c>).</param>
    /// <param name="decoding">Decoding; use the options the encoder's own extractor decodes with.</param>
    /// <param name="viewsPerVideo">K ≥ 1 views per video.</param>
    /// <param name="seed">Seed of the view parameters.</param>
    /// <param name="augmentation">Ranges of the edits (default: <see cref="PixelAugmentationOptions"/>).</param>
    public AugmentedViewExtractor(IFrameFeatureEncoder encoder, VideoDecodingOptions? decoding = null, int viewsPerVideo = 2, int seed = 0, PixelAugmentationOptions? augmentation = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(viewsPerVideo, 1);
        _encoder = encoder;
        _decoder = new VideoFrameDecoder(decoding);
        _augmentation = augmentation ?? new PixelAugmentationOptions();
        _augmentation.Validate();
        ViewsPerVideo = viewsPerVideo;
        Seed = seed;
    }

    /// <summary>K, views per video.</summary>
    public int ViewsPerVideo { get; }

    /// <summary>Seed of the view parameters.</summary>
    public int Seed { get; }

    /// <summary>The schema of a view store for this encoder.</summary>
    public StoreSchema Schema => new(0, FineFeatureKind.Float, _encoder.Regions, _encoder.Dimensions);

    /// <summary>The edit parameters of view <paramref name="view"/> of <paramref name="videoId"/> (deterministic).</summary>
    public PixelAugmentation ViewParameters(string videoId, int view) => PixelAugmentation.Sample(ViewRandom(videoId, view, 0), _augmentation);

    /// <summary>Extracts the K views of one video: K arrays of T×R×D floats.</summary>
    /// <exception cref="VideoDecodingException">The video cannot be decoded or has no frames.</exception>
    public async Task<RegionFeatures[]> ExtractViewsAsync(string videoId, string path, CancellationToken cancellationToken = default)
    {
        int k = ViewsPerVideo, frameLength = _encoder.Regions * _encoder.Dimensions;
        var parameters = new PixelAugmentation[k];
        var noise = new Random[k];
        var values = new float[k][];
        for (int v = 0; v < k; v++)
        {
            parameters[v] = ViewParameters(videoId, v);
            noise[v] = ViewRandom(videoId, v, 1);
            values[v] = new float[frameLength * 16];
        }
        int frames = 0;
        await foreach (var batch in _decoder.DecodeAsync(path, cancellationToken).ConfigureAwait(false))
        {
            int pixels = batch.Count * 3 * batch.Height * batch.Width;
            float[] edited = ArrayPool<float>.Shared.Rent(pixels);
            try
            {
                for (int v = 0; v < k; v++)
                {
                    int needed = (frames + batch.Count) * frameLength;
                    if (needed > values[v].Length) Array.Resize(ref values[v], Math.Max(needed, values[v].Length * 2));
                    PixelAugmenter.Apply(parameters[v], batch, edited.AsSpan(0, pixels), noise[v]);
                    var view = batch with { Pixels = edited.AsMemory(0, pixels) };
                    _encoder.Encode(view, values[v].AsSpan(frames * frameLength, batch.Count * frameLength));
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(edited);
            }
            frames += batch.Count;
        }
        if (frames == 0) throw new VideoDecodingException(path, VideoDecodingFailure.DecodeFailed, "the video has no decodable frames");
        var views = new RegionFeatures[k];
        for (int v = 0; v < k; v++)
        {
            Array.Resize(ref values[v], frames * frameLength);
            views[v] = new RegionFeatures(values[v], frames, _encoder.Regions, _encoder.Dimensions);
        }
        return views;
    }

    /// <summary>
    /// Adds the views of every video to <paramref name="store"/> through the shared ingestion pipeline (several videos at
    /// once, commits by <paramref name="options"/>, at the end and on cancellation), so an interrupted run resumes where
    /// it stopped: videos whose K views are all in the store are skipped. A video that fails is reported and the rest go on.
    /// </summary>
    /// <param name="videos">Video ids and file paths.</param>
    /// <param name="store">A store with <see cref="Schema"/>.</param>
    /// <param name="progress">Receives an <see cref="IndexProgress"/> after each video.</param>
    /// <param name="options">Extraction parallelism and commit policy (default: <see cref="IngestionOptions"/>).</param>
    /// <param name="cancellationToken">Cancels between and within videos; finished videos are committed first.</param>
    /// <exception cref="ArgumentException">The store's schema is not <see cref="Schema"/>, or two videos share an id.</exception>
    public Task<IndexReport> ExtractAsync(IReadOnlyList<VideoSource> videos, IVideoStore store, IProgress<IndexProgress>? progress = null,
        IngestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (store.Schema != Schema)
            throw new ArgumentException($"the view store has schema {store.Schema}, the encoder needs {Schema}", nameof(store));
        var pipeline = new IngestionPipeline<RegionFeatures[]>(store, options ?? new IngestionOptions())
        {
            Extract = (video, ct) => ExtractViewsAsync(video.Id, video.Path, ct),
            Records = (video, views) => [.. views.Select((view, v) =>
                new VideoRecord(AugmentedViewId.Format(video.Id, v), view.Frames, ReadOnlyMemory<float>.Empty, view.Values, ReadOnlyMemory<ulong>.Empty, float.NaN))],
            IsCurrent = video => HasAllViews(store, video.Id),
        };
        return pipeline.RunAsync(videos, progress, cancellationToken);
    }

    private bool HasAllViews(IVideoStore store, string id)
    {
        for (int v = 0; v < ViewsPerVideo; v++)
            if (!store.TryGetOrdinal(AugmentedViewId.Format(id, v), out _)) return false;
        return true;
    }

    // A stable seed per (seed, video, view, stream): string.GetHashCode is randomized per process, so hash the id with FNV-1a.
    private Random ViewRandom(string videoId, int view, int stream)
    {
        uint hash = 2166136261;
        foreach (char c in videoId) hash = (hash ^ c) * 16777619;
        ulong x = (ulong)(uint)Seed * 0x9E3779B97F4A7C15UL ^ hash * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(uint)view * 0x165667B19E3779F9UL ^ (ulong)(uint)stream * 0x27D4EB2F165667C5UL;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return new Random((int)(x & 0x7FFFFFFF));
    }
}
