using DnS.Core;

namespace DnS.Training.Distillation;

/// <summary>How a trainer runs: length, batch, learning rate, seed, threads and checkpoints.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training examples (used when <see cref="Steps"/> is null).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Total optimizer steps; null means <see cref="Epochs"/> × steps per epoch.</summary>
    public long? Steps { get; init; }

    /// <summary>Examples per step; an epoch's last batch wraps around to the epoch's first examples, so every batch is full.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's learning rate; null means the trainer's default (the paper's: 1e-4 fine, 1e-5 coarse, 1e-4 selector).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Seeds the data order, the temporal crops, dropout and initialization draws; a step's draws depend only on seed and step, so a resumed run repeats them.</summary>
    public int Seed { get; init; }

    /// <summary>libtorch intra-op threads; null leaves the process setting alone.</summary>
    public int? Threads { get; init; }

    /// <summary>Frame cap per video: a random window of this many frames in training, the first frames at evaluation.</summary>
    public int MaxFrames { get; init; } = 64;

    /// <summary>Folder of the latest checkpoint (overwritten each time); null writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (0: only at the end and on cancellation).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or rate is out of range (its name is the parameter name).</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs);
        if (Steps is { } steps) ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        if (LearningRate is { } rate) OptionChecks.Positive(rate, nameof(LearningRate));
        if (Threads is { } threads) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrames, Modules.FrameTiling.MinimumFrames);
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEvery);
    }
}
