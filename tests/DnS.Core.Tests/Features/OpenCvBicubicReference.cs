namespace DnS.Core.Tests.Features;

/// <summary>
/// The reference preprocessing's resize, re-implemented for comparison: OpenCV's
/// <c>cv2.resize(frame, (0, 0), fx=r, fy=r, interpolation=cv2.INTER_CUBIC)</c> on 8-bit images — Keys' cubic with
/// a = −0.75, source coordinate (d + 0.5)/r − 0.5, replicated borders, 11-bit fixed-point coefficients and the
/// (sum + 2²¹) >> 22 rounding of its uchar path — followed by ViSiL's <c>center_crop</c>.
/// </summary>
internal static class OpenCvBicubicReference
{
    private const int CoefBits = 11, CoefScale = 1 << CoefBits;

    /// <summary>ViSiL's resize_frame + center_crop on one packed RGB frame; returns crop×crop×3 bytes.</summary>
    public static byte[] ResizeShortSideAndCrop(byte[] rgb, int width, int height, int shortSide, int crop)
    {
        double ratio = (double)shortSide / Math.Min(width, height);
        int dw = (int)Math.Round(width * ratio, MidpointRounding.ToEven), dh = (int)Math.Round(height * ratio, MidpointRounding.ToEven);
        var resized = Resize(rgb, width, height, dw, dh, 1 / ratio, 1 / ratio);
        int top = Math.Max(0, (dh - crop) / 2), left = Math.Max(0, (dw - crop) / 2);
        var result = new byte[crop * crop * 3];
        for (int y = 0; y < crop; y++)
            Array.Copy(resized, ((top + y) * dw + left) * 3, result, y * crop * 3, crop * 3);
        return result;
    }

    public static byte[] Resize(byte[] src, int sw, int sh, int dw, int dh, double scaleX, double scaleY)
    {
        var (xofs, alpha) = Coefficients(dw, scaleX);
        var (yofs, beta) = Coefficients(dh, scaleY);
        // Horizontal pass for every source row (ints, as OpenCV's HResizeCubic).
        var rows = new int[sh][];
        for (int y = 0; y < sh; y++)
        {
            var row = rows[y] = new int[dw * 3];
            for (int dx = 0; dx < dw; dx++)
                for (int c = 0; c < 3; c++)
                {
                    int sum = 0;
                    for (int k = 0; k < 4; k++)
                        sum += src[(y * sw + Math.Clamp(xofs[dx] - 1 + k, 0, sw - 1)) * 3 + c] * alpha[dx * 4 + k];
                    row[dx * 3 + c] = sum;
                }
        }
        var dst = new byte[dw * dh * 3];
        for (int dy = 0; dy < dh; dy++)
            for (int i = 0; i < dw * 3; i++)
            {
                long sum = 0;
                for (int k = 0; k < 4; k++) sum += (long)beta[dy * 4 + k] * rows[Math.Clamp(yofs[dy] - 1 + k, 0, sh - 1)][i];
                dst[dy * dw * 3 + i] = (byte)Math.Clamp((sum + (1 << (2 * CoefBits - 1))) >> (2 * CoefBits), 0, 255);
            }
        return dst;
    }

    private static (int[] Offsets, short[] Coefficients) Coefficients(int size, double scale)
    {
        var offsets = new int[size];
        var coefficients = new short[size * 4];
        Span<float> c = stackalloc float[4];
        for (int d = 0; d < size; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            Cubic(f, c);
            offsets[d] = s;
            for (int k = 0; k < 4; k++) coefficients[d * 4 + k] = (short)MathF.Round(c[k] * CoefScale, MidpointRounding.ToEven);
        }
        return (offsets, coefficients);
    }

    /// <summary>OpenCV's interpolateCubic, in float as OpenCV computes it.</summary>
    private static void Cubic(float x, Span<float> c)
    {
        const float A = -0.75f;
        c[0] = ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A;
        c[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
        c[2] = ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1;
        c[3] = 1f - c[0] - c[1] - c[2];
    }
}
