using DnS.Training.Losses;

namespace DnS.Training.SelfSupervised;

/// <summary>Settings of <see cref="SelfSupervisedTeacherTrainer"/>; the loss weights are S2VS's defaults.</summary>
public sealed record SelfSupervisedOptions
{
    /// <summary>Videos per batch (B ≥ 2); each contributes two views, so the similarity matrix is 2B × 2B.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>InfoNCE temperature τ.</summary>
    public double Temperature { get; init; } = InfoNceLoss.DefaultTemperature;

    /// <summary>Weight λ of the hard-negative (SSHN) loss (S2VS: 3).</summary>
    public double HardNegativeWeight { get; init; } = 3.0;

    /// <summary>Weight r of the similarity regularisation on the raw comparator output (S2VS: 1).</summary>
    public double RegularizationWeight { get; init; } = 1.0;

    /// <summary>Seed of batch sampling, view choice and the temporal edits.</summary>
    public int Seed { get; init; }

    /// <summary>The online temporal edits.</summary>
    public TemporalAugmentationOptions Temporal { get; init; } = new();

    /// <summary>Folder of the latest checkpoint (overwritten each time); null writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (0: only at the end and on cancellation).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for unusable settings.</summary>
    public void Validate()
    {
        if (BatchSize < 2) throw new ArgumentException($"BatchSize must be ≥ 2 (InfoNCE needs negatives), got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive, got {LearningRate}");
        if (!(Temperature > 0)) throw new ArgumentException($"Temperature must be positive, got {Temperature}");
        if (!(HardNegativeWeight >= 0) || !(RegularizationWeight >= 0))
            throw new ArgumentException($"loss weights must be ≥ 0, got {HardNegativeWeight} and {RegularizationWeight}");
        if (CheckpointEvery < 0) throw new ArgumentException($"CheckpointEvery must be ≥ 0, got {CheckpointEvery}");
        Temporal.Validate();
    }
}
