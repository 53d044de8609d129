using DnS.Core.Features.Whitening;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// Whiten-MTD at the embedding level (method §2): a teacher whose region embeddings are PCA-whitened on the training
/// corpus before it compares them — mean removed, projected on the top eigenvectors and scaled by λ^−½, L2-normalized
/// (<see cref="PcaWhitening.Whiten"/>) — here the region chamfer, so the whitened copy of the parameter-free teacher
/// ranks by the corpus's own decorrelated directions instead of the raw descriptor's dominant ones.
/// </summary>
/// <remarks>
/// The whitening is fitted once by <see cref="Fit"/> on region vectors of every video (every frame, or every k-th frame
/// when the corpus has more than <c>maxVectors</c> vectors: deterministic). Its scores then go through the pair-score
/// standardization of <see cref="ScoreFusion"/> like any teacher's, so the two forms of whitening combine.
/// </remarks>
public sealed class WhitenedTeacher : IPairTeacher
{
    /// <summary>The default <see cref="Name"/>.</summary>
    public const string DefaultName = "whitened";

    private readonly ChamferTeacher _chamfer;

    private WhitenedTeacher(PcaWhitening whitening, int regions, string name)
    {
        Whitening = whitening;
        _chamfer = new ChamferTeacher(regions, whitening.Components, name);
    }

    /// <summary>The whitening fitted on the corpus.</summary>
    public PcaWhitening Whitening { get; }

    /// <inheritdoc/>
    public string Name => _chamfer.Name;

    /// <summary>Fits the whitening on the region vectors of <paramref name="source"/>.</summary>
    /// <param name="source">The training corpus.</param>
    /// <param name="components">Whitened dimensions kept (the largest eigenvalues); null keeps D.</param>
    /// <param name="maxVectors">At most about this many region vectors enter the fit.</param>
    /// <param name="name">The teacher's name.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="components"/> is outside 1..D, or <paramref name="maxVectors"/> is below 2.</exception>
    /// <exception cref="InvalidOperationException">The corpus has fewer than two region vectors.</exception>
    public static WhitenedTeacher Fit(IRegionFeatureSource source, int? components = null, long maxVectors = 200_000, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVectors, 2);
        long frames = 0;
        for (int v = 0; v < source.Count; v++) frames += source.GetFrames(v);
        long stride = Math.Max(1, (frames * source.Regions + maxVectors - 1) / maxVectors);
        var trainer = new PcaTrainer(source.Dims);
        int frameFloats = source.Regions * source.Dims;
        long frame = 0;
        for (int v = 0; v < source.Count; v++)
        {
            var features = source.GetFeatures(v).Span;
            for (int f = 0; f < source.GetFrames(v); f++, frame++)
                if (frame % stride == 0) trainer.Add(features.Slice(f * frameFloats, frameFloats));
        }
        return new WhitenedTeacher(trainer.Fit(components ?? source.Dims), source.Regions, name);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The source's D is not the whitening's.</exception>
    public float Score(IRegionFeatureSource source, int query, int target)
    {
        if (source.Dims != Whitening.Dimensions) throw new ArgumentException($"the features have D = {source.Dims}, the whitening was fitted on D = {Whitening.Dimensions}", nameof(source));
        return _chamfer.Score(new WhitenedSource(source, Whitening), query, target);
    }

    // The source's videos whitened on read (the chamfer reads each video once per score).
    private sealed class WhitenedSource(IRegionFeatureSource inner, PcaWhitening whitening) : IRegionFeatureSource
    {
        public int Count => inner.Count;

        public int Regions => inner.Regions;

        public int Dims => whitening.Components;

        public string GetId(int video) => inner.GetId(video);

        public int GetFrames(int video) => inner.GetFrames(video);

        public ReadOnlyMemory<float> GetFeatures(int video)
        {
            var raw = inner.GetFeatures(video).Span;
            var whitened = new float[raw.Length / whitening.Dimensions * whitening.Components];
            whitening.Whiten(raw, whitened);
            return whitened;
        }
    }
}
