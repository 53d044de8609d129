using DnS.Core.Features.Decoding;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// The pixels <see cref="Retrieval.InsetVerification"/> checks a picture-in-picture match against: every sampled frame
/// decoded whole (<see cref="ResizeMethod.Stretch"/> to <see cref="Side"/>², the same frames as
/// <see cref="InsetFeatureExtractor"/>) as its luma (0.299 R + 0.587 G + 0.114 B, in [0, 1]), one region of
/// <see cref="Side"/>² values per frame, row-major.
/// </summary>
public sealed class InsetThumbnailExtractor : FrameEncodingExtractor
{
    /// <summary>The side of the squeezed frame: the windows of <see cref="InsetFeatureExtractor"/> (1/2, 1/3 and 1/4 of the
    /// side at half-window steps) fall on whole pixels (96, 64 and 48, steps 48, 32 and 24).</summary>
    public const int Side = 192;

    /// <summary>Creates the extractor; the decoding options' sampling, limits and ffmpeg folder apply, its resize is replaced
    /// by <see cref="ResizeMethod.Stretch"/> to <see cref="Side"/>² and its normalization by none (pixels in [0, 1]).</summary>
    public InsetThumbnailExtractor(VideoDecodingOptions? decoding = null)
        : base(new VideoFrameDecoder((decoding ?? new VideoDecodingOptions()) with
        {
            Resize = ResizeMethod.Stretch, ResizeShortSide = Side, CropSize = Side, Mean = [0f, 0f, 0f], Std = [1f, 1f, 1f],
        }))
    {
    }

    /// <summary>One region per frame: the whole luma image.</summary>
    public override int Regions => 1;

    /// <summary><see cref="Side"/>² luma values.</summary>
    public override int Dimensions => Side * Side;

    /// <inheritdoc />
    protected override void EncodeBatch(FrameBatch batch, Span<float> destination)
    {
        if (batch.Height != Side || batch.Width != Side)
            throw new ArgumentException($"inset thumbnails need {Side}×{Side} frames, the batch holds {batch.Height}×{batch.Width}", nameof(batch));
        const int plane = Side * Side;
        ReadOnlySpan<float> pixels = batch.Pixels.Span;
        for (int n = 0; n < batch.Count; n++)
        {
            ReadOnlySpan<float> r = pixels.Slice(3 * n * plane, plane), g = pixels.Slice((3 * n + 1) * plane, plane), b = pixels.Slice((3 * n + 2) * plane, plane);
            Span<float> luma = destination.Slice(n * plane, plane);
            for (int i = 0; i < plane; i++)
                luma[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
        }
    }
}
