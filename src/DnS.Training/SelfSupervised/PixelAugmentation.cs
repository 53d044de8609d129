namespace DnS.Training.SelfSupervised;

/// <summary>
/// The edit parameters of one augmented view, drawn once and applied to all of its frames. The crop is given as
/// fractions of the frame so the same view fits any frame size.
/// </summary>
/// <param name="CropLeft">Left edge of the crop, fraction of the width.</param>
/// <param name="CropTop">Top edge of the crop, fraction of the height.</param>
/// <param name="CropWidth">Crop width, fraction of the width.</param>
/// <param name="CropHeight">Crop height, fraction of the height.</param>
/// <param name="Flip">Mirror horizontally.</param>
/// <param name="Brightness">Intensity factor.</param>
/// <param name="Contrast">Factor on the distance to the frame's mean luma.</param>
/// <param name="Saturation">Factor on the distance to each pixel's luma (0 = gray).</param>
/// <param name="Grayscale">Replace color by luma.</param>
/// <param name="BlurSigma">Gaussian blur standard deviation in pixels (0 = none).</param>
/// <param name="NoiseSigma">Additive Gaussian noise on the [0, 1] scale (0 = none).</param>
public readonly record struct PixelAugmentation(
    double CropLeft, double CropTop, double CropWidth, double CropHeight, bool Flip,
    double Brightness, double Contrast, double Saturation, bool Grayscale, double BlurSigma, double NoiseSigma)
{
    /// <summary>The identity edit (the view equals the decoded frames).</summary>
    public static PixelAugmentation Identity { get; } = new(0, 0, 1, 1, false, 1, 1, 1, false, 0, 0);

    /// <summary>Draws a view's parameters from <paramref name="options"/>.</summary>
    public static PixelAugmentation Sample(Random random, PixelAugmentationOptions options)
    {
        options.Validate();
        // Random resized crop: area fraction uniform, aspect log-uniform, clipped to the frame (as torchvision falls back).
        double area = options.MinCropArea + random.NextDouble() * (1 - options.MinCropArea);
        double logAspect = Math.Log(options.MaxAspectChange) * (2 * random.NextDouble() - 1);
        double aspect = Math.Exp(logAspect);
        double width = Math.Min(1, Math.Sqrt(area * aspect));
        double height = Math.Min(1, Math.Sqrt(area / aspect));
        double left = random.NextDouble() * (1 - width);
        double top = random.NextDouble() * (1 - height);
        bool flip = random.NextDouble() < options.FlipProbability;
        double brightness = Jitter(random, options.Brightness);
        double contrast = Jitter(random, options.Contrast);
        double saturation = Jitter(random, options.Saturation);
        bool grayscale = random.NextDouble() < options.GrayscaleProbability;
        double blur = random.NextDouble() < options.BlurProbability ? 0.5 + random.NextDouble() * (options.MaxBlurSigma - 0.5) : 0;
        double noise = random.NextDouble() < options.NoiseProbability ? options.NoiseSigma : 0;
        return new PixelAugmentation(left, top, width, height, flip, brightness, contrast, saturation, grayscale, blur, noise);
    }

    private static double Jitter(Random random, double amount) => 1 + amount * (2 * random.NextDouble() - 1);
}
