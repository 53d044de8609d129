using DnS.Core;
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

    /// <summary>Weight r of the similarity regularization on the raw comparator output (S2VS: 1).</summary>
    public double RegularizationWeight { get; init; } = 1.0;

    /// <summary>Seed of batch sampling, view choice and the temporal edits.</summary>
    public int Seed { get; init; }

    /// <summary>The online temporal edits.</summary>
    public TemporalAugmentationOptions Temporal { get; init; } = new();

    /// <summary>Folder of the latest checkpoint (overwritten each time); null writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (0: only at the end and on cancellation).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Checks every setting, the temporal edits included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (its name is the parameter name).</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2);   // InfoNCE needs negatives
        OptionChecks.Positive(LearningRate);
        OptionChecks.Positive(Temperature);
        OptionChecks.AtLeast(HardNegativeWeight, 0);
        OptionChecks.AtLeast(RegularizationWeight, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEvery);
        ArgumentNullException.ThrowIfNull(Temporal);
        Temporal.Validate();
    }
}
