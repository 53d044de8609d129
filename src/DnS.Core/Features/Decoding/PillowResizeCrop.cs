namespace DnS.Core.Features.Decoding;

/// <summary>
/// CLIP's preprocessing (torchvision <c>Resize(s, BICUBIC)</c> + <c>CenterCrop(c)</c> on a PIL image) on one packed
/// RGB24 frame: the shorter side becomes s and the longer <c>int(s·long/short)</c> (floored), resampled exactly as
/// Pillow's <c>Image.resize(BICUBIC)</c> does, then the center crop at <c>round((size − c)/2)</c> with Python's
/// half-to-even rounding. Only the cropped window is computed.
/// </summary>
/// <remarks>
/// Pillow's resampler: cubic convolution with a = −0.5, support 2 widened by the scale when down-scaling
/// (antialiasing), weights normalized in double then rounded to 22-bit fixed point away from zero, an integer
/// horizontal pass stored as clamped bytes, then the vertical pass; a pass whose size does not change is skipped.
/// Bit-exact with Pillow 9.4 on ../shared/golden-text. Not thread-safe: tables are cached for the last frame size.
/// </remarks>
internal sealed class PillowResizeCrop(int shortSide, int crop)
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double CubicA = -0.5;
    private const double Support = 2.0;

    private int _width = -1, _height = -1;
    private Axis _x, _y;
    private int _firstRow, _rowCount;
    private byte[] _rows = [];

    /// <summary>Size after torchvision's <c>Resize(shortSide)</c>: the longer side is <c>int(shortSide · long / short)</c>.</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int shortSide) =>
        width <= height
            ? (shortSide, (int)((double)shortSide * height / width))
            : ((int)((double)shortSide * width / height), shortSide);

    /// <summary>Offset of a center crop of <paramref name="crop"/> in <paramref name="size"/>: Python's <c>round((size − crop) / 2)</c>.</summary>
    public static int CropOffset(int size, int crop) => (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>Resizes and crops <paramref name="rgb"/> (width·height·3 bytes) into <paramref name="cropped"/> (crop·crop·3 bytes).</summary>
    public void Apply(ReadOnlySpan<byte> rgb, int width, int height, Span<byte> cropped)
    {
        if (width != _width || height != _height)
            Prepare(width, height);
        int stride = crop * 3;
        Span<byte> rows = _rows.AsSpan(0, _rowCount * stride);
        for (int r = 0; r < _rowCount; r++)
        {
            ReadOnlySpan<byte> source = rgb.Slice((_firstRow + r) * width * 3, width * 3);
            Span<byte> row = rows.Slice(r * stride, stride);
            if (_x.Resampled)
                _x.Resample(source, row, 3);
            else
                source.Slice(_x.First * 3, stride).CopyTo(row);
        }

        if (!_y.Resampled)
        {
            rows.Slice((_y.First - _firstRow) * stride, crop * stride).CopyTo(cropped);
            return;
        }

        for (int y = 0; y < crop; y++)
        {
            int start = _y.Start[y] - _firstRow, taps = _y.Taps[y];
            ReadOnlySpan<int> weights = _y.Weights.AsSpan(y * _y.Width, taps);
            Span<byte> output = cropped.Slice(y * stride, stride);
            for (int i = 0; i < stride; i++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < taps; k++)
                    sum += rows[(start + k) * stride + i] * weights[k];
                output[i] = Clip8(sum);
            }
        }
    }

    private void Prepare(int width, int height)
    {
        var (resizedWidth, resizedHeight) = ResizedSize(width, height, shortSide);
        if (resizedWidth < crop || resizedHeight < crop)
            throw new InvalidOperationException($"a {width}×{height} frame resized to {resizedWidth}×{resizedHeight} is smaller than the {crop}×{crop} crop");
        _x = new Axis(width, resizedWidth, CropOffset(resizedWidth, crop), crop);
        _y = new Axis(height, resizedHeight, CropOffset(resizedHeight, crop), crop);
        _firstRow = _y.Resampled ? _y.Start[0] : _y.First;
        int lastRow = _y.Resampled ? _y.Start[crop - 1] + _y.Taps[crop - 1] : _y.First + crop;
        _rowCount = lastRow - _firstRow;
        _rows = new byte[_rowCount * crop * 3];
        _width = width;
        _height = height;
    }

    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>Pillow's <c>bicubic_filter</c> with a = −0.5.</summary>
    private static double Cubic(double x)
    {
        x = Math.Abs(x);
        if (x < 1.0)
            return ((CubicA + 2.0) * x - (CubicA + 3.0)) * x * x + 1;
        if (x < 2.0)
            return (((x - 5) * x + 8) * x - 4) * CubicA;
        return 0.0;
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c> for the output range First..First+count−1 of one axis.</summary>
    private readonly struct Axis
    {
        public Axis(int inSize, int outSize, int first, int count)
        {
            First = first;
            Resampled = inSize != outSize;
            Start = new int[count];
            Taps = new int[count];
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = Support * filterScale;
            Width = (int)Math.Ceiling(support) * 2 + 1;
            Weights = new int[count * Width];
            if (!Resampled)
                return;
            Span<double> w = stackalloc double[Width];
            for (int i = 0; i < count; i++)
            {
                double center = (first + i + 0.5) * scale;
                int min = Math.Max((int)(center - support + 0.5), 0);
                int max = Math.Min((int)(center + support + 0.5), inSize) - min;
                double total = 0;
                for (int k = 0; k < max; k++)
                {
                    w[k] = Cubic((k + min - center + 0.5) / filterScale);
                    total += w[k];
                }

                for (int k = 0; k < max; k++)
                {
                    double normalized = total != 0 ? w[k] / total : w[k];
                    Weights[i * Width + k] = (int)(normalized < 0 ? -0.5 + normalized * (1 << PrecisionBits) : 0.5 + normalized * (1 << PrecisionBits));
                }

                Start[i] = min;
                Taps[i] = max;
            }
        }

        public bool Resampled { get; }

        public int First { get; }

        public int Width { get; }

        public int[] Start { get; }

        public int[] Taps { get; }

        public int[] Weights { get; }

        /// <summary>The horizontal pass over one row of interleaved channels.</summary>
        public void Resample(ReadOnlySpan<byte> source, Span<byte> output, int channels)
        {
            for (int x = 0; x < Start.Length; x++)
            {
                int start = Start[x] * channels, taps = Taps[x];
                ReadOnlySpan<int> weights = Weights.AsSpan(x * Width, taps);
                for (int c = 0; c < channels; c++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    for (int k = 0; k < taps; k++)
                        sum += source[start + k * channels + c] * weights[k];
                    output[x * channels + c] = Clip8(sum);
                }
            }
        }
    }
}
