using DnS.Core.Features.BuiltIn;
using DnS.Core.Features.Decoding;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// Region features with nothing downloaded: the training-free <see cref="BuiltInFrameEncoder"/>
/// (9 regions × 128 dims per frame) over the reference decoding (1 fps, 256 short side, 224 crop).
/// </summary>
public sealed class BuiltInFeatureExtractor(VideoDecodingOptions? decoding = null)
    : FrameEncodingExtractor(new VideoFrameDecoder(decoding))
{
    private readonly BuiltInFrameEncoder _encoder = new();

    /// <inheritdoc />
    public override int Regions => BuiltInFrameEncoder.Regions;

    /// <inheritdoc />
    public override int Dimensions => BuiltInFrameEncoder.Dimensions;

    /// <inheritdoc />
    protected override void EncodeBatch(FrameBatch batch, Span<float> destination) => _encoder.Encode(batch, destination);
}
