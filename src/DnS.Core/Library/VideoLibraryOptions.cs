using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Storage;

namespace DnS.Core.Library;

/// <summary>What builds a new <see cref="VideoLibrary"/>: its feature extractor, its networks and how videos are ingested.</summary>
public sealed record VideoLibraryOptions
{
    /// <summary>The feature extractor (default: the built-in frame descriptor).</summary>
    public FeatureOptions Features { get; init; } = new();

    /// <summary>A model folder (<c>dns-models.json</c> + weights, e.g. from <c>dns-train distill</c>), or null for the built-in parameter-free models.</summary>
    public string? Models { get; init; }

    /// <summary>Built-in models only: store packed-bit codes (Hamming re-ranking) instead of floats.</summary>
    public bool Binary { get; init; }

    /// <summary>
    /// The videos a PCA whitening is fitted on when the features need one and none is given
    /// (<see cref="FeatureOptions.FitsPca"/>, i.e. ResNet-18): usually the videos about to be indexed. The sample is
    /// deterministic: the paths in ordinal order, spread over the whole list (<see cref="PcaFitter"/>), until
    /// <see cref="PcaSampleVectors"/> region vectors; the whitening keeps <see cref="PcaComponents"/> dimensions.
    /// </summary>
    public IReadOnlyList<string>? PcaSample { get; init; }

    /// <summary>Region vectors the fitted PCA learns from at most (20 000: about 2 200 frames, 37 min of video at 1 fps).</summary>
    public const long PcaSampleVectors = 20_000;

    /// <summary>Dimensions a fitted PCA whitening keeps at most (512, as in DnS; a sample of n ≤ 512 region vectors keeps n − 1, see <see cref="PcaFitter"/>).</summary>
    public const int PcaComponents = 512;

    /// <summary>A CLIP model folder (docs/text-search.md) for a text side, or null for none (one can be added later with <see cref="VideoLibrary.AddTextModelAsync"/>).</summary>
    public string? TextModel { get; init; }

    /// <summary>
    /// Whether the library keeps an inset side (default false): per video, picture-in-picture features and 192² luma
    /// thumbnails (48 KB per sampled frame, in the index subfolder <c>insets</c>), so that searches with
    /// <see cref="Retrieval.SelectorPolicy.Insets"/> (the default policy of such a library) find copies that show the query
    /// shrunk inside other footage. Indexing decodes every file twice more; a search extracts the same from a query file
    /// and checks its 20 best inset matches against pixels (docs/realistic-corpus.md). One can be added later with
    /// <see cref="VideoLibrary.AddInsetsAsync"/>.
    /// </summary>
    public bool Insets { get; init; }

    /// <summary>How a new library keeps its coarse embeddings; null: <see cref="DefaultCoarseEncoding"/>. Given for an
    /// existing library, it must be the one the library was built with.</summary>
    public CoarseEncoding? CoarseEncoding { get; init; }

    /// <summary>The coarse encoding of a new library unless one is given: int8 codes for the scan and the floats for exact
    /// re-scoring (the float ranking at a quarter of the scan's reads, for 25 % more coarse bytes; docs/benchmarks.md).</summary>
    public const CoarseEncoding DefaultCoarseEncoding = Storage.CoarseEncoding.Int8AndFloat;

    /// <summary>Extraction parallelism and commit policy.</summary>
    public IngestionOptions Ingestion { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>) naming the first invalid setting.</summary>
    public void Validate()
    {
        Features.Validate();
        if (Binary && Models is not null)
            throw new ArgumentException($"binary codes are a choice of the built-in models; the model folder {Models} decides its own fine features");
        if (CoarseEncoding is { } encoding && !Enum.IsDefined(encoding))
            throw new ArgumentOutOfRangeException(nameof(CoarseEncoding), encoding, "unknown coarse encoding");
        Ingestion.Validate();
    }
}
