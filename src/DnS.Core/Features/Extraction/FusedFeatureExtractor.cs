using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features.Decoding;
using DnS.Core.Features.Whitening;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// Several frame encoders over one decoding, side by side in one region vector (early fusion): every sampled frame is
/// decoded once and each part encodes the same <see cref="FrameBatch"/> on the same region grid. With whitenings, each
/// part's regions are PCA-whitened (which L2-normalizes them) and scaled by √wₚ for part weights wₚ summing to 1, and the
/// parts are concatenated per region: a unit vector whose dot product with another is the weighted mean Σ wₚ·cosₚ of the
/// parts' cosines, and whose slices are each part's own whitened features (× √wₚ). Without whitenings it gives the parts'
/// raw regions concatenated unscaled, the input the whitenings are fitted on (<see cref="PcaFitter"/> per part).
/// </summary>
internal sealed class FusedFeatureExtractor : FrameEncodingExtractor
{
    private readonly FrameEncodingExtractor[] _parts;
    private readonly PcaWhitening[]? _whitenings;
    private readonly float[] _scales;

    /// <summary>Creates the extractor; it owns the parts from now on (also when this constructor throws).</summary>
    /// <param name="parts">The encoders, in the order of their slices; their own decoders are not used.</param>
    /// <param name="whitenings">One whitening per part (fused output), or null for the raw concatenation.</param>
    /// <param name="weights">Each part's weight in the fused dot product (positive, summing to 1); used with whitenings only.</param>
    /// <param name="decoding">The one decoding every part encodes (default: the reference's, which every part's default is).</param>
    /// <exception cref="ArgumentException">The parts have different region counts, a whitening does not fit its part, or the weights are not one positive weight per part summing to 1.</exception>
    public FusedFeatureExtractor(IReadOnlyList<FrameEncodingExtractor> parts, IReadOnlyList<PcaWhitening>? whitenings, IReadOnlyList<float> weights,
        VideoDecodingOptions? decoding = null)
        : base(new VideoFrameDecoder(decoding))
    {
        _parts = [.. parts];
        try
        {
            if (_parts.Length == 0) throw new ArgumentException("fused features need at least one part", nameof(parts));
            if (whitenings is not null && whitenings.Count != _parts.Length)
                throw new ArgumentException($"{_parts.Length} parts need {_parts.Length} whitenings, not {whitenings.Count}", nameof(whitenings));
            if (weights.Count != _parts.Length || weights.Any(w => !(w > 0)) || Math.Abs(weights.Sum() - 1) > 1e-5f)
                throw new ArgumentException($"{_parts.Length} parts need {_parts.Length} positive weights summing to 1, not [{string.Join(", ", weights)}]", nameof(weights));
            Regions = _parts[0].Regions;
            for (int p = 0; p < _parts.Length; p++)
            {
                if (_parts[p].Regions != Regions)
                    throw new ArgumentException($"part {p} gives {_parts[p].Regions} regions per frame, part 0 gives {Regions}: fused parts need the same grid", nameof(parts));
                if (whitenings is not null && whitenings[p].Dimensions != _parts[p].Dimensions)
                    throw new ArgumentException($"the whitening of part {p} whitens {whitenings[p].Dimensions}-d vectors, the part gives {_parts[p].Dimensions}-d regions", nameof(whitenings));
            }
        }
        catch
        {
            foreach (var part in _parts) part.Dispose();
            throw;
        }
        _whitenings = whitenings is null ? null : [.. whitenings];
        _scales = [.. weights.Select(w => whitenings is null ? 1f : MathF.Sqrt(w))];
        PartDimensions = [.. _parts.Select((part, p) => _whitenings?[p].Components ?? part.Dimensions)];
        Dimensions = PartDimensions.Sum();
    }

    /// <summary>The length of each part's slice of a region vector, in order.</summary>
    public IReadOnlyList<int> PartDimensions { get; }

    /// <inheritdoc />
    public override int Regions { get; }

    /// <inheritdoc />
    public override int Dimensions { get; }

    /// <inheritdoc />
    protected override void EncodeBatch(FrameBatch batch, Span<float> destination)
    {
        int rows = batch.Count * Regions, offset = 0;
        for (int p = 0; p < _parts.Length; p++)
        {
            int raw = _parts[p].Dimensions, width = PartDimensions[p];
            float[] encoded = ArrayPool<float>.Shared.Rent(rows * raw);
            float[]? whitened = _whitenings is null ? null : ArrayPool<float>.Shared.Rent(rows * width);
            try
            {
                _parts[p].Encode(batch, encoded.AsSpan(0, rows * raw));
                ReadOnlySpan<float> slices = encoded.AsSpan(0, rows * raw);
                if (whitened is not null)
                {
                    _whitenings![p].Whiten(slices, whitened.AsSpan(0, rows * width));
                    slices = whitened.AsSpan(0, rows * width);
                }
                for (int r = 0; r < rows; r++)
                    TensorPrimitives.Multiply(slices.Slice(r * width, width), _scales[p], destination.Slice(r * Dimensions + offset, width));
            }
            finally
            {
                ArrayPool<float>.Shared.Return(encoded);
                if (whitened is not null) ArrayPool<float>.Shared.Return(whitened);
            }
            offset += width;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var part in _parts) part.Dispose();
    }
}
