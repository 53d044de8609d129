using DnS.Core;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// Ranges of the spatial and photometric edits that make an augmented view of a video (S2VS's global
/// transformations). One set of parameters is drawn per view and applied to every frame, so a view looks like one
/// consistently edited copy of the video; only the noise differs from frame to frame.
/// </summary>
public sealed record PixelAugmentationOptions
{
    /// <summary>Smallest crop area as a fraction of the frame (random resized crop).</summary>
    public double MinCropArea { get; init; } = 0.4;

    /// <summary>Largest crop aspect ratio change; the ratio is drawn log-uniformly in [1/x, x].</summary>
    public double MaxAspectChange { get; init; } = 4.0 / 3.0;

    /// <summary>Probability of a horizontal flip.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Brightness factor range 1 ± this.</summary>
    public double Brightness { get; init; } = 0.4;

    /// <summary>Contrast factor range 1 ± this.</summary>
    public double Contrast { get; init; } = 0.4;

    /// <summary>Saturation factor range 1 ± this.</summary>
    public double Saturation { get; init; } = 0.4;

    /// <summary>Probability of turning the view grayscale.</summary>
    public double GrayscaleProbability { get; init; } = 0.2;

    /// <summary>Probability of a Gaussian blur.</summary>
    public double BlurProbability { get; init; } = 0.3;

    /// <summary>Largest blur standard deviation in pixels (drawn uniformly from [0.5, this]).</summary>
    public double MaxBlurSigma { get; init; } = 2.0;

    /// <summary>Probability of additive Gaussian pixel noise.</summary>
    public double NoiseProbability { get; init; } = 0.3;

    /// <summary>Noise standard deviation on the [0, 1] intensity scale.</summary>
    public double NoiseSigma { get; init; } = 0.04;

    /// <summary>Checks that every range can be sampled.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (its name is the parameter name).</exception>
    public void Validate()
    {
        OptionChecks.Fraction(MinCropArea);
        OptionChecks.AtLeast(MaxAspectChange, 1);
        OptionChecks.Probability(FlipProbability);
        OptionChecks.Below(Brightness, 0, 1);
        OptionChecks.Below(Contrast, 0, 1);
        OptionChecks.Below(Saturation, 0, 1);
        OptionChecks.Probability(GrayscaleProbability);
        OptionChecks.Probability(BlurProbability);
        OptionChecks.AtLeast(MaxBlurSigma, 0.5);
        OptionChecks.Probability(NoiseProbability);
        OptionChecks.AtLeast(NoiseSigma, 0);
    }
}
