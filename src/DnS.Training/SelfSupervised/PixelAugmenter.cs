using System.Buffers;
using DnS.Core.Features;
using DnS.Core.Features.Decoding;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// Applies a <see cref="PixelAugmentation"/> to decoded frames (ImageNet-normalized NCHW RGB, the decoder's
/// <see cref="FrameBatch"/>) and writes frames of the same shape and normalization, ready for the encoder. Edits run in
/// torchvision's order on [0, 1] intensities: resized crop and flip, brightness, contrast, saturation, grayscale,
/// blur, noise; each photometric step clamps to [0, 1] as torchvision does.
/// </summary>
public static class PixelAugmenter
{
    private const float LumaR = 0.299f, LumaG = 0.587f, LumaB = 0.114f;

    /// <summary>Writes the edited frames of <paramref name="frames"/> into <paramref name="destination"/> (N·3·H·W floats).</summary>
    /// <param name="augmentation">The view's parameters.</param>
    /// <param name="frames">Decoded frames.</param>
    /// <param name="destination">Edited frames, same layout.</param>
    /// <param name="noise">Source of the per-pixel noise (used only when the view adds noise).</param>
    /// <exception cref="ArgumentException">The batch holds fewer floats than its shape needs, or the destination has the wrong length.</exception>
    public static void Apply(in PixelAugmentation augmentation, FrameBatch frames, Span<float> destination, Random noise)
    {
        int plane = frames.Height * frames.Width;
        long length = (long)frames.Count * 3 * plane;
        if (frames.Count <= 0 || frames.Height <= 0 || frames.Width <= 0 || frames.Pixels.Length < length)
            throw new ArgumentException($"frame batch [{frames.Count}, 3, {frames.Height}, {frames.Width}] holds {frames.Pixels.Length} floats, needs {length}", nameof(frames));
        if (destination.Length != length)
            throw new ArgumentException($"destination holds {destination.Length} floats, frames [{frames.Count}, 3, {frames.Height}, {frames.Width}] need {length}", nameof(destination));
        var mean = VideoDecodingOptions.ImageNetMean;
        var std = VideoDecodingOptions.ImageNetStd;
        float[] scratch = ArrayPool<float>.Shared.Rent(plane);
        try
        {
            var source = frames.Pixels.Span;
            for (int n = 0; n < frames.Count; n++)
            {
                var input = source.Slice(n * 3 * plane, 3 * plane);
                var rgb = destination.Slice(n * 3 * plane, 3 * plane);
                for (int c = 0; c < 3; c++)
                    ResizedCrop(augmentation, input.Slice(c * plane, plane), rgb.Slice(c * plane, plane), frames.Height, frames.Width, mean[c], std[c]);
                Photometric(augmentation, rgb, plane);
                if (augmentation.BlurSigma > 0)
                    for (int c = 0; c < 3; c++) GaussianBlur(rgb.Slice(c * plane, plane), scratch.AsSpan(0, plane), frames.Height, frames.Width, augmentation.BlurSigma);
                if (augmentation.NoiseSigma > 0) AddNoise(rgb, augmentation.NoiseSigma, noise);
                for (int c = 0; c < 3; c++)
                {
                    var channel = rgb.Slice(c * plane, plane);
                    float m = mean[c], s = std[c];
                    for (int i = 0; i < channel.Length; i++) channel[i] = (channel[i] - m) / s;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Bilinear resampling of the crop (pixel centers aligned, edges clamped) to the full frame, undoing the normalization.</summary>
    private static void ResizedCrop(in PixelAugmentation a, ReadOnlySpan<float> input, Span<float> output, int height, int width, float mean, float std)
    {
        // Output and input frames have the same size, so one output pixel spans CropWidth × CropHeight input pixels.
        double x0 = a.CropLeft * width, y0 = a.CropTop * height;
        double sx = a.CropWidth, sy = a.CropHeight;
        for (int y = 0; y < height; y++)
        {
            double fy = Math.Clamp(y0 + (y + 0.5) * sy - 0.5, 0, height - 1);
            int yTop = (int)fy, yBottom = Math.Min(yTop + 1, height - 1);
            float wy = (float)(fy - yTop);
            var top = input.Slice(yTop * width, width);
            var bottom = input.Slice(yBottom * width, width);
            var row = output.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                int xs = a.Flip ? width - 1 - x : x;
                double fx = Math.Clamp(x0 + (xs + 0.5) * sx - 0.5, 0, width - 1);
                int xLeft = (int)fx, xRight = Math.Min(xLeft + 1, width - 1);
                float wx = (float)(fx - xLeft);
                float upper = top[xLeft] + (top[xRight] - top[xLeft]) * wx;
                float lower = bottom[xLeft] + (bottom[xRight] - bottom[xLeft]) * wx;
                row[x] = (upper + (lower - upper) * wy) * std + mean;
            }
        }
    }

    private static void Photometric(in PixelAugmentation a, Span<float> rgb, int plane)
    {
        var r = rgb[..plane];
        var g = rgb.Slice(plane, plane);
        var b = rgb.Slice(2 * plane, plane);
        float brightness = (float)a.Brightness, contrast = (float)a.Contrast, saturation = (float)a.Saturation;
        double lumaSum = 0;
        for (int i = 0; i < plane; i++)
        {
            r[i] = Math.Clamp(r[i] * brightness, 0f, 1f);
            g[i] = Math.Clamp(g[i] * brightness, 0f, 1f);
            b[i] = Math.Clamp(b[i] * brightness, 0f, 1f);
            lumaSum += LumaR * r[i] + LumaG * g[i] + LumaB * b[i];
        }
        // Contrast blends with the frame's mean luma, saturation with each pixel's own luma (torchvision's definitions).
        float meanLuma = (float)(lumaSum / plane);
        for (int i = 0; i < plane; i++)
        {
            float rc = Math.Clamp(meanLuma + (r[i] - meanLuma) * contrast, 0f, 1f);
            float gc = Math.Clamp(meanLuma + (g[i] - meanLuma) * contrast, 0f, 1f);
            float bc = Math.Clamp(meanLuma + (b[i] - meanLuma) * contrast, 0f, 1f);
            float luma = LumaR * rc + LumaG * gc + LumaB * bc;
            if (a.Grayscale)
            {
                r[i] = g[i] = b[i] = luma;
                continue;
            }
            r[i] = Math.Clamp(luma + (rc - luma) * saturation, 0f, 1f);
            g[i] = Math.Clamp(luma + (gc - luma) * saturation, 0f, 1f);
            b[i] = Math.Clamp(luma + (bc - luma) * saturation, 0f, 1f);
        }
    }

    /// <summary>Separable Gaussian blur of one channel in place (radius ⌈3σ⌉, edges replicated).</summary>
    private static void GaussianBlur(Span<float> channel, Span<float> scratch, int height, int width, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        Span<float> kernel = stackalloc float[2 * radius + 1];
        float total = 0;
        for (int k = -radius; k <= radius; k++) total += kernel[k + radius] = (float)Math.Exp(-k * k / (2 * sigma * sigma));
        for (int k = 0; k < kernel.Length; k++) kernel[k] /= total;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float sum = 0;
                for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] * channel[y * width + Math.Clamp(x + k, 0, width - 1)];
                scratch[y * width + x] = sum;
            }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float sum = 0;
                for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] * scratch[Math.Clamp(y + k, 0, height - 1) * width + x];
                channel[y * width + x] = sum;
            }
    }

    private static void AddNoise(Span<float> rgb, double sigma, Random random)
    {
        for (int i = 0; i < rgb.Length; i++)
        {
            // Box–Muller; one normal sample per pixel keeps the stream position independent of the frame layout.
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            double normal = Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
            rgb[i] = Math.Clamp(rgb[i] + (float)(sigma * normal), 0f, 1f);
        }
    }
}
