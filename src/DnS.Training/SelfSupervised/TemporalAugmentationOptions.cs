using DnS.Core;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// The temporal edits applied online to stored view features when a batch is built (S2VS's temporal
/// transformations, on features instead of pixels): temporal crop, speed change, frame dropping, and a length cap.
/// </summary>
public sealed record TemporalAugmentationOptions
{
    /// <summary>Probability of cropping a contiguous segment.</summary>
    public double CropProbability { get; init; } = 0.5;

    /// <summary>Shortest crop as a fraction of the video.</summary>
    public double MinCropFraction { get; init; } = 0.5;

    /// <summary>Probability of a speed change.</summary>
    public double SpeedProbability { get; init; } = 0.3;

    /// <summary>Slowest speed (&lt; 1 duplicates frames).</summary>
    public double MinSpeed { get; init; } = 0.5;

    /// <summary>Fastest speed (&gt; 1 skips frames).</summary>
    public double MaxSpeed { get; init; } = 2.0;

    /// <summary>Probability of dropping frames.</summary>
    public double DropProbability { get; init; } = 0.3;

    /// <summary>Chance of each frame to be dropped when dropping applies (one frame always stays).</summary>
    public double DropRate { get; init; } = 0.3;

    /// <summary>Longest clip after the edits (S2VS's window size); a longer one is cut to a random window.</summary>
    public int MaxFrames { get; init; } = 32;

    /// <summary>Checks that every range can be sampled.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (its name is the parameter name).</exception>
    public void Validate()
    {
        OptionChecks.Probability(CropProbability);
        OptionChecks.Fraction(MinCropFraction);
        OptionChecks.Probability(SpeedProbability);
        OptionChecks.Positive(MinSpeed);
        OptionChecks.AtLeast(MaxSpeed, MinSpeed);
        OptionChecks.Probability(DropProbability);
        OptionChecks.Probability(DropRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrames, 1);
    }
}
