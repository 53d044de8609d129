using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;

namespace DnS.Core.Retrieval;

/// <summary>
/// The videos an <see cref="InsetStage"/> searches, whatever keeps them: per video its <see cref="InsetFeatureExtractor"/>
/// features, its mean whole-frame descriptor (the family test) and, for <see cref="InsetStage.Verify"/>, its
/// <see cref="InsetThumbnailExtractor"/> thumbnails. A stored library decodes a video into per-thread
/// <see cref="Buffers"/> when asked, so scoring a query against the whole library allocates nothing per video.
/// </summary>
internal abstract class InsetLibrary
{
    /// <summary>The video ids; video v is <c>Ids[v]</c>.</summary>
    public abstract string[] Ids { get; }

    /// <summary>Every video's L2-normalized mean whole-frame descriptor (region 0 over its frames), D floats per video.</summary>
    public abstract float[] Means { get; }

    /// <summary>Whether <see cref="Thumbnails"/> can be asked.</summary>
    public abstract bool HasThumbnails { get; }

    /// <summary>The features of video <paramref name="v"/>, valid until <paramref name="buffers"/> is used again.</summary>
    public abstract RegionFeatures Features(int v, Buffers buffers);

    /// <summary>The thumbnails of video <paramref name="v"/>, valid until <paramref name="buffers"/> is used again.</summary>
    public abstract RegionFeatures Thumbnails(int v, Buffers buffers);

    /// <summary>The L2-normalized mean of region 0 over the frames of <paramref name="features"/>, into <paramref name="mean"/>.</summary>
    public static void WholeFrameMean(RegionFeatures features, Span<float> mean)
    {
        int d = features.Dimensions;
        mean.Clear();
        for (int t = 0; t < features.Frames; t++) TensorPrimitives.Add(mean, features.Values.AsSpan(t * features.Regions * d, d), mean);
        L2Normalization.Normalize(mean);
    }

    /// <summary>One thread's decoding buffers (pooled arrays, returned on <see cref="Dispose"/>; grown when a video needs more).</summary>
    public sealed class Buffers : IDisposable
    {
        private float[]? _features, _thumbnails;

        /// <summary>At least <paramref name="length"/> floats for features.</summary>
        public float[] ForFeatures(int length) => Ensure(ref _features, length);

        /// <summary>At least <paramref name="length"/> floats for thumbnails.</summary>
        public float[] ForThumbnails(int length) => Ensure(ref _thumbnails, length);

        private static float[] Ensure(ref float[]? buffer, int length)
        {
            if (buffer is not null && buffer.Length >= length) return buffer;
            if (buffer is not null) ArrayPool<float>.Shared.Return(buffer);
            return buffer = ArrayPool<float>.Shared.Rent(length);
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_features is not null) ArrayPool<float>.Shared.Return(_features);
            if (_thumbnails is not null) ArrayPool<float>.Shared.Return(_thumbnails);
            _features = _thumbnails = null;
        }
    }
}

/// <summary>An <see cref="InsetLibrary"/> of features (and thumbnails) held in memory by id, in ordinal id order.</summary>
internal sealed class InMemoryInsetLibrary : InsetLibrary
{
    private readonly RegionFeatures[] _features;
    private readonly RegionFeatures[]? _thumbnails;

    /// <exception cref="ArgumentException">The library is empty, its features do not share one layout with windows, or a
    /// video's thumbnails are missing or do not match its features.</exception>
    public InMemoryInsetLibrary(IReadOnlyDictionary<string, RegionFeatures> library, IReadOnlyDictionary<string, RegionFeatures>? thumbnails)
    {
        ArgumentNullException.ThrowIfNull(library);
        if (library.Count == 0) throw new ArgumentException("the inset stage needs at least one library video", nameof(library));
        Ids = [.. library.Keys.Order(StringComparer.Ordinal)];
        _features = [.. Ids.Select(id => library[id])];
        var first = _features[0];
        int d = first.Dimensions;
        for (int v = 0; v < Ids.Length; v++)
            if (_features[v].Regions != first.Regions || _features[v].Dimensions != d || _features[v].Regions < 2 || _features[v].Frames < 1)
                throw new ArgumentException($"inset features of '{Ids[v]}' are {_features[v].Frames}×{_features[v].Regions}×{_features[v].Dimensions}; " +
                    $"every library video needs the layout of '{Ids[0]}' ({first.Regions} regions of {d}, a whole frame and windows)", nameof(library));
        if (thumbnails is not null)
        {
            _thumbnails = new RegionFeatures[Ids.Length];
            for (int v = 0; v < Ids.Length; v++)
            {
                _thumbnails[v] = thumbnails.TryGetValue(Ids[v], out var t) && InsetVerification.Fits(t, _features[v])
                    ? t
                    : throw new ArgumentException($"library video '{Ids[v]}' needs InsetThumbnailExtractor thumbnails of its {_features[v].Frames} frames", nameof(thumbnails));
            }
        }
        Means = new float[Ids.Length * d];
        for (int v = 0; v < Ids.Length; v++) WholeFrameMean(_features[v], Means.AsSpan(v * d, d));
    }

    /// <inheritdoc/>
    public override string[] Ids { get; }

    /// <inheritdoc/>
    public override float[] Means { get; }

    /// <inheritdoc/>
    public override bool HasThumbnails => _thumbnails is not null;

    /// <inheritdoc/>
    public override RegionFeatures Features(int v, Buffers buffers) => _features[v];

    /// <inheritdoc/>
    public override RegionFeatures Thumbnails(int v, Buffers buffers) =>
        _thumbnails is { } thumbnails ? thumbnails[v] : throw new InvalidOperationException("the library has no thumbnails");
}
