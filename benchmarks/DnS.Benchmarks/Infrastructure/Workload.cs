namespace DnS.Benchmarks.Infrastructure;

/// <summary>
/// The realistic sizes every suite uses, and the work they imply (consts so [Throughput] attributes can use them).
/// A video is <see cref="Frames"/> frames of <see cref="Regions"/> region vectors (L3-iMAC 3×3 regions) of
/// <see cref="Dims"/> floats; the coarse index is <see cref="IndexVideos"/> video embeddings of <see cref="IndexDims"/>.
/// </summary>
public static class Workload
{
    /// <summary>Frames per video (query and target).</summary>
    public const int Frames = 40;

    /// <summary>Region vectors per frame.</summary>
    public const int Regions = 9;

    /// <summary>Floats per region vector (fine student, float chamfer).</summary>
    public const int Dims = 512;

    /// <summary>Bits per binary region code (Hamming chamfer); equal to <see cref="Dims"/> on purpose.</summary>
    public const int Bits = 512;

    /// <summary>Target videos per query in the 2-core throughput suite.</summary>
    public const int Batch = 64;

    /// <summary>Rows of the coarse-scan matrix.</summary>
    public const int IndexVideos = 100_000;

    /// <summary>Floats per coarse video embedding.</summary>
    public const int IndexDims = 1024;

    /// <summary>Candidates kept from the coarse scan.</summary>
    public const int TopK = 100;

    /// <summary>Region vectors per video.</summary>
    public const int RegionsPerVideo = Frames * Regions;

    /// <summary>Region pairs in one video-vs-video chamfer: (T·R)².</summary>
    public const double RegionPairsPerVideoPair = (double)RegionsPerVideo * RegionsPerVideo;

    /// <summary>FLOP of one video-vs-video float chamfer: 2·(T·R)²·D (the max/mean are O((T·R)²), ignored).</summary>
    public const double ChamferFlopsPerVideoPair = 2.0 * RegionPairsPerVideoPair * Dims;

    /// <summary>FLOP of one coarse scan: 2·N·D.</summary>
    public const double CoarseScanFlops = 2.0 * IndexVideos * IndexDims;

    /// <summary>Bytes of the coarse matrix read once per scan: N·D·4.</summary>
    public const double CoarseScanBytes = 4.0 * IndexVideos * IndexDims;

    /// <summary>Bytes of the int8 coarse matrix read once per scan: N·(D + 4) (codes and one float scale per row).</summary>
    public const double QuantizedScanBytes = IndexVideos * (IndexDims + 4.0);

    /// <summary>Bytes of the coarse-scan scores TopK reads: N·4.</summary>
    public const double ScoreBytes = 4.0 * IndexVideos;

    /// <summary>FLOP of one query against <see cref="Batch"/> target videos.</summary>
    public const double BatchChamferFlops = Batch * ChamferFlopsPerVideoPair;

    /// <summary>Region pairs of one query against <see cref="Batch"/> target videos.</summary>
    public const double BatchRegionPairs = Batch * RegionPairsPerVideoPair;
}
