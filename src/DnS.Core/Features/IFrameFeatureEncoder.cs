namespace DnS.Core.Features;

/// <summary>
/// Encodes already decoded, preprocessed frames into region features. Training uses it to encode frames it edited
/// itself (augmented views) with exactly the encoder an index is built with, without decoding the video again.
/// </summary>
public interface IFrameFeatureEncoder
{
    /// <summary>R, regions per frame.</summary>
    int Regions { get; }

    /// <summary>D, floats per region vector.</summary>
    int Dimensions { get; }

    /// <summary>Encodes <paramref name="frames"/> into N×R×D floats (frame, region, dim).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly N·R·D floats, or the frames do not fit the encoder.</exception>
    void Encode(FrameBatch frames, Span<float> destination);
}
