using System.Buffers;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;
using DnS.Core.Features.Pooling;
using DnS.Core.Features.Whitening;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// The reference DnS features: frames through a CNN backbone (ONNX Runtime), L3-iMAC region pooling of its four
/// stage maps, then optional PCA whitening (512 components for the students). Owns the backbone session.
/// </summary>
public sealed class BackboneFeatureExtractor : FrameEncodingExtractor
{
    private readonly OnnxBackbone _backbone;
    private readonly L3IMacPooling _pooling;
    private readonly PcaWhitening? _whitening;
    private readonly Lock _backboneLock = new();
    private readonly int _pooledDimensions;

    /// <summary>Creates the extractor; the region count and dimensions are probed once on a blank frame.</summary>
    /// <param name="backbone">The backbone (owned by the extractor from now on, also when this constructor throws).</param>
    /// <param name="whitening">PCA whitening of the pooled regions, or null for raw L3-iMAC vectors.</param>
    /// <param name="pooling">Region pooling (default: the ResNet-50 kernels 28, 14, 6, 3).</param>
    /// <param name="decoding">Decoding and preprocessing (default: the reference's).</param>
    /// <exception cref="ArgumentException">The PCA does not fit the pooled dimensions.</exception>
    public BackboneFeatureExtractor(OnnxBackbone backbone, PcaWhitening? whitening = null, L3IMacPooling? pooling = null, VideoDecodingOptions? decoding = null)
        : base(new VideoFrameDecoder(decoding))
    {
        _backbone = backbone;
        _pooling = pooling ?? L3IMacPooling.ResNet50;
        _whitening = whitening;
        var options = decoding ?? new VideoDecodingOptions();
        var probe = new FrameBatch(new float[3 * options.CropSize * options.CropSize], 1, options.CropSize, options.CropSize, 0);
        try
        {
            (Regions, _pooledDimensions) = _pooling.OutputShape(_backbone.Run(probe));
            if (whitening is not null && whitening.Dimensions != _pooledDimensions)
                throw new ArgumentException($"the PCA whitens {whitening.Dimensions}-d vectors, the pooled regions have {_pooledDimensions} dims");
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
        Dimensions = whitening?.Components ?? _pooledDimensions;
    }

    /// <inheritdoc />
    public override int Regions { get; }

    /// <inheritdoc />
    public override int Dimensions { get; }

    /// <inheritdoc />
    protected override void EncodeBatch(FrameBatch batch, Span<float> destination)
    {
        if (_whitening is null)
        {
            lock (_backboneLock) _pooling.Pool(_backbone.Run(batch), destination);
            return;
        }
        int length = batch.Count * Regions * _pooledDimensions;
        float[] pooled = ArrayPool<float>.Shared.Rent(length);
        try
        {
            // The backbone reuses its stage buffers between runs, so pooling happens under the same lock.
            lock (_backboneLock) _pooling.Pool(_backbone.Run(batch), pooled.AsSpan(0, length));
            _whitening.Whiten(pooled.AsSpan(0, length), destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pooled);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _backbone.Dispose();
    }
}
