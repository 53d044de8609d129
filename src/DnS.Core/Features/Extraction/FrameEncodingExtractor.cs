using DnS.Core.Features.Decoding;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// The shared video → region-features loop: decode frame batches with a <see cref="VideoFrameDecoder"/>, encode
/// each batch into R×D per frame, and gather the frames of the video. Subclasses supply the frame encoder.
/// </summary>
public abstract class FrameEncodingExtractor : IVideoFeatureExtractor, IFrameFeatureEncoder
{
    private readonly VideoFrameDecoder _decoder;

    /// <summary>Creates the extractor over a decoder.</summary>
    protected FrameEncodingExtractor(VideoFrameDecoder decoder) => _decoder = decoder;

    /// <inheritdoc />
    public abstract int Regions { get; }

    /// <inheritdoc />
    public abstract int Dimensions { get; }

    /// <inheritdoc />
    public async Task<RegionFeatures> ExtractAsync(string videoPath, CancellationToken cancellationToken = default)
    {
        int frameLength = Regions * Dimensions;
        var values = new float[frameLength * 16];
        int frames = 0;
        await foreach (var batch in _decoder.DecodeAsync(videoPath, cancellationToken).ConfigureAwait(false))
        {
            int needed = (frames + batch.Count) * frameLength;
            if (needed > values.Length) Array.Resize(ref values, Math.Max(needed, values.Length * 2));
            EncodeBatch(batch, values.AsSpan(frames * frameLength, batch.Count * frameLength));
            frames += batch.Count;
        }
        if (frames == 0)
            throw new VideoDecodingException(videoPath, VideoDecodingFailure.DecodeFailed, "the video has no decodable frames");
        Array.Resize(ref values, frames * frameLength);
        return new RegionFeatures(values, frames, Regions, Dimensions);
    }

    /// <inheritdoc />
    public void Encode(FrameBatch frames, Span<float> destination)
    {
        long expected = (long)frames.Count * Regions * Dimensions;
        if (destination.Length != expected)
            throw new ArgumentException($"{frames.Count} frames encode to [{frames.Count}, {Regions}, {Dimensions}] = {expected} floats, the destination holds {destination.Length}", nameof(destination));
        EncodeBatch(frames, destination);
    }

    /// <summary>Encodes one batch into N×R×D floats.</summary>
    protected abstract void EncodeBatch(FrameBatch batch, Span<float> destination);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases native resources of subclasses.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
