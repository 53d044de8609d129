namespace DnS.Training.Data;

/// <summary>
/// The raw T×R×D region features of a training corpus, addressed by a dense video index 0..Count-1. Training
/// reads videos one at a time, so an implementation over a memory-mapped store serves corpora larger than RAM.
/// Implementations are safe for concurrent readers.
/// </summary>
public interface IRegionFeatureSource
{
    /// <summary>Videos in the corpus.</summary>
    int Count { get; }

    /// <summary>R, regions per frame.</summary>
    int Regions { get; }

    /// <summary>D, floats per region vector.</summary>
    int Dims { get; }

    /// <summary>The id of video <paramref name="video"/>.</summary>
    string GetId(int video);

    /// <summary>T, frames of video <paramref name="video"/> (≥ 1).</summary>
    int GetFrames(int video);

    /// <summary>The video's features, T·R·D floats row-major (frame, region, dim); valid while the source is alive.</summary>
    ReadOnlyMemory<float> GetFeatures(int video);
}
