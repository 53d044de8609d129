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

    /// <summary>Throws <see cref="ArgumentException"/> for ranges that cannot be sampled.</summary>
    public void Validate()
    {
        foreach (var (name, p) in new[] { ("CropProbability", CropProbability), ("SpeedProbability", SpeedProbability), ("DropProbability", DropProbability), ("DropRate", DropRate) })
            if (!(p >= 0 && p <= 1)) throw new ArgumentException($"{name} must be in [0, 1], got {p}");
        if (!(MinCropFraction > 0 && MinCropFraction <= 1)) throw new ArgumentException($"MinCropFraction must be in (0, 1], got {MinCropFraction}");
        if (!(MinSpeed > 0 && MinSpeed <= MaxSpeed)) throw new ArgumentException($"speeds must satisfy 0 < MinSpeed ≤ MaxSpeed, got {MinSpeed} and {MaxSpeed}");
        if (MaxFrames < 1) throw new ArgumentException($"MaxFrames must be ≥ 1, got {MaxFrames}");
    }
}
