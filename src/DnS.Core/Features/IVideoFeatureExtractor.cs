namespace DnS.Core.Features;

/// <summary>
/// Turns a video file into its T×R×D region features (frames sampled, encoded, pooled and whitened).
/// Implementations own native resources (ONNX sessions, ffmpeg processes) and are safe for concurrent calls.
/// </summary>
public interface IVideoFeatureExtractor : IDisposable
{
    /// <summary>R, regions per frame.</summary>
    int Regions { get; }

    /// <summary>D, floats per region vector.</summary>
    int Dimensions { get; }

    /// <summary>Extracts the features of one video (T ≥ 1 frames).</summary>
    /// <exception cref="Decoding.VideoDecodingException">The file is missing, unreadable, not a video, or has no frames.</exception>
    /// <exception cref="OperationCanceledException">Canceled (within one frame batch).</exception>
    Task<RegionFeatures> ExtractAsync(string videoPath, CancellationToken cancellationToken = default);
}
