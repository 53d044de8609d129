using BenchmarkDotNet.Attributes;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Benchmarks.Retrieval;

/// <summary>
/// The inset stage's cost per pair of 20-frame videos: <see cref="InsetSimilarity.Inside"/> (what
/// <see cref="InsetStage.Score"/> computes for every library video) against <see cref="InsetVerification.Score"/> (what
/// <see cref="InsetStage.Verify"/> adds for each of a query's best matches). Random unit descriptors and random luma: both
/// costs are fixed by the frame counts and the search, not by the content. The <c>Stored</c> variants read the container as
/// an index's inset side keeps it (int8 descriptors with a scale per region, byte luma) and decode it first, as a library
/// search does for every video.
/// </summary>
public class InsetVerificationBenchmarks
{
    private const int Frames = 20;
    private RegionFeatures _video = null!, _container = null!, _videoThumbnails = null!, _containerThumbnails = null!;
    private VideoRecord _stored = null!;
    private float[] _features = null!, _thumbnails = null!;

    /// <summary>Builds the pair.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _video = Descriptors(random);
        _container = Descriptors(random);
        _videoThumbnails = Thumbnails(random);
        _containerThumbnails = Thumbnails(random);
        _stored = InsetSide.CreateRecord("container", _container, _containerThumbnails);
        _features = new float[_container.Values.Length];
        _thumbnails = new float[_containerThumbnails.Values.Length];
    }

    /// <summary>The inset score of one pair.</summary>
    [Benchmark(Baseline = true)]
    public float Inside() => InsetSimilarity.Inside(_video, _container);

    /// <summary>The pixel check of one pair (it computes the inset score's windows itself).</summary>
    [Benchmark]
    public float Verify() => InsetVerification.Score(_video, _container, _videoThumbnails, _containerThumbnails);

    /// <summary>The inset score of one pair, the container decoded from its stored payload first.</summary>
    [Benchmark]
    public float InsideStored()
    {
        InsetSide.Layout.DecodeFeatures(_stored, _features);
        return InsetSimilarity.Inside(_video, InsetSide.Layout.Features(_features, Frames));
    }

    /// <summary>The pixel check of one pair, the container's features and thumbnails decoded from its stored payload first.</summary>
    [Benchmark]
    public float VerifyStored()
    {
        InsetSide.Layout.DecodeFeatures(_stored, _features);
        InsetSide.Layout.DecodeThumbnails(_stored, _thumbnails);
        return InsetVerification.Score(_video, InsetSide.Layout.Features(_features, Frames), _videoThumbnails, InsetSide.Layout.Thumbnails(_thumbnails, Frames));
    }

    private static RegionFeatures Descriptors(Random random)
    {
        int regions = InsetFeatureExtractor.WindowCount + 1, dimensions = 128;
        var values = new float[Frames * regions * dimensions];
        for (int v = 0; v < values.Length; v += dimensions)
        {
            var vector = values.AsSpan(v, dimensions);
            for (int d = 0; d < dimensions; d++) vector[d] = (float)random.NextDouble() - 0.5f;
            L2Normalization.Normalize(vector);
        }
        return new RegionFeatures(values, Frames, regions, dimensions);
    }

    private static RegionFeatures Thumbnails(Random random)
    {
        const int plane = InsetThumbnailExtractor.Side * InsetThumbnailExtractor.Side;
        var values = new float[Frames * plane];
        for (int i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        return new RegionFeatures(values, Frames, 1, plane);
    }
}
