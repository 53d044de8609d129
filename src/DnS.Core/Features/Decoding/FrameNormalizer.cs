namespace DnS.Core.Features.Decoding;

/// <summary>
/// Packed RGB24 (HWC bytes) → planar NCHW floats, (x/255 − mean)/std per channel. A 3×256 lookup table gives
/// exactly the float the reference computes for each byte value, at one load per sample.
/// </summary>
internal sealed class FrameNormalizer
{
    private readonly float[] _table = new float[3 * 256];

    public FrameNormalizer(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++)
                _table[c * 256 + v] = (v / 255f - mean[c]) / std[c];
    }

    /// <summary>One frame: <paramref name="rgb"/> is H·W·3 bytes, <paramref name="planar"/> receives 3·H·W floats.</summary>
    public void Normalize(ReadOnlySpan<byte> rgb, Span<float> planar)
    {
        int pixels = planar.Length / 3;
        if (rgb.Length != pixels * 3 || planar.Length != pixels * 3)
            throw new ArgumentException($"frame has {rgb.Length} bytes, destination {planar.Length} floats; both must be 3·H·W");
        var red = planar[..pixels];
        var green = planar.Slice(pixels, pixels);
        var blue = planar.Slice(2 * pixels, pixels);
        ReadOnlySpan<float> table = _table;
        for (int p = 0; p < pixels; p++)
        {
            red[p] = table[rgb[3 * p]];
            green[p] = table[256 + rgb[3 * p + 1]];
            blue[p] = table[512 + rgb[3 * p + 2]];
        }
    }
}
