namespace DnS.Core.Features.Decoding;

/// <summary>
/// The reference preprocessing on one packed RGB24 frame: <c>cv2.resize(frame, (0, 0), fx=r, fy=r,
/// interpolation=cv2.INTER_CUBIC)</c> with r = shortSide/min(w, h), then ViSiL's <c>center_crop</c>. Only the
/// cropped window is computed. Follows OpenCV's 8-bit path: source coordinate (d + 0.5)/r − 0.5 in float,
/// Keys' cubic (a = −0.75) coefficients rounded to 11 bits, replicated borders, an integer horizontal pass and
/// a vertical pass rounded as (Σ + 2²¹) >> 22 and saturated.
/// </summary>
/// <remarks>Not thread-safe: coefficient tables are cached for the last frame size.</remarks>
internal sealed class ReferenceResizeCrop(int shortSide, int crop)
{
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    private int _width = -1, _height = -1;
    private int[] _xOffsets = [], _yOffsets = [];
    private short[] _xWeights = [], _yWeights = [];
    private int _firstRow, _rowCount;
    private int[] _rows = [];

    /// <summary>Resized size of a width×height frame: round(w·r) × round(h·r), as OpenCV's dsize.</summary>
    public static (int Width, int Height, double Ratio) ResizedSize(int width, int height, int shortSide)
    {
        double ratio = (double)shortSide / Math.Min(width, height);
        return ((int)Math.Round(width * ratio, MidpointRounding.ToEven), (int)Math.Round(height * ratio, MidpointRounding.ToEven), ratio);
    }

    /// <summary>Resizes and crops <paramref name="rgb"/> (width·height·3 bytes) into <paramref name="cropped"/> (crop·crop·3 bytes).</summary>
    public void Apply(ReadOnlySpan<byte> rgb, int width, int height, Span<byte> cropped)
    {
        if (width != _width || height != _height) Prepare(width, height);
        int stride = crop * 3;
        // Horizontal pass over just the source rows the crop window reaches.
        for (int r = 0; r < _rowCount; r++)
        {
            var src = rgb.Slice((_firstRow + r) * width * 3, width * 3);
            var row = _rows.AsSpan(r * stride, stride);
            for (int x = 0; x < crop; x++)
            {
                int o = _xOffsets[x];
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int k = 0; k < 4; k++)
                        sum += src[Math.Clamp(o - 1 + k, 0, width - 1) * 3 + c] * _xWeights[x * 4 + k];
                    row[x * 3 + c] = sum;
                }
            }
        }
        for (int y = 0; y < crop; y++)
        {
            var dst = cropped.Slice(y * stride, stride);
            int o = _yOffsets[y];
            for (int i = 0; i < stride; i++)
            {
                long sum = 0;
                for (int k = 0; k < 4; k++)
                    sum += (long)_yWeights[y * 4 + k] * _rows[(Math.Clamp(o - 1 + k, 0, height - 1) - _firstRow) * stride + i];
                dst[i] = (byte)Math.Clamp((sum + (1L << (2 * CoefBits - 1))) >> (2 * CoefBits), 0, 255);
            }
        }
    }

    private void Prepare(int width, int height)
    {
        var (dw, dh, ratio) = ResizedSize(width, height, shortSide);
        if (dw < crop || dh < crop)
            throw new InvalidOperationException($"a {width}×{height} frame resized to {dw}×{dh} is smaller than the {crop}×{crop} crop");
        int top = (dh - crop) / 2, left = (dw - crop) / 2;
        (_xOffsets, _xWeights) = Coefficients(left, crop, 1 / ratio);
        (_yOffsets, _yWeights) = Coefficients(top, crop, 1 / ratio);
        _firstRow = Math.Clamp(_yOffsets[0] - 1, 0, height - 1);
        int lastRow = Math.Clamp(_yOffsets[^1] + 2, 0, height - 1);
        _rowCount = lastRow - _firstRow + 1;
        _rows = new int[_rowCount * crop * 3];
        _width = width;
        _height = height;
    }

    /// <summary>Source offsets and 4-tap fixed-point weights for destination coordinates first..first+count−1.</summary>
    private static (int[] Offsets, short[] Weights) Coefficients(int first, int count, double scale)
    {
        var offsets = new int[count];
        var weights = new short[count * 4];
        Span<float> w = stackalloc float[4];
        for (int i = 0; i < count; i++)
        {
            float f = (float)((first + i + 0.5) * scale - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            Cubic(f, w);
            offsets[i] = s;
            for (int k = 0; k < 4; k++) weights[i * 4 + k] = (short)MathF.Round(w[k] * CoefScale, MidpointRounding.ToEven);
        }
        return (offsets, weights);
    }

    /// <summary>OpenCV's interpolateCubic (a = −0.75), in float as OpenCV evaluates it.</summary>
    private static void Cubic(float x, Span<float> w)
    {
        const float A = -0.75f;
        w[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
        w[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
        w[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
        w[3] = 1f - w[0] - w[1] - w[2];
    }
}
