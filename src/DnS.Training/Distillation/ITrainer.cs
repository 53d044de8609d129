namespace DnS.Training.Distillation;

/// <summary>What a driver (the CLI, a test) needs of any trainer, whatever its network and example types.</summary>
public interface ITrainer : IDisposable
{
    /// <summary>Steps done.</summary>
    long Step { get; }

    /// <summary>Steps of the whole run.</summary>
    long TotalSteps { get; }

    /// <summary>Trains to <see cref="TotalSteps"/> with reports, periodic checkpoints and cancellation between steps.</summary>
    TrainingProgress Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>One optimizer step; returns its loss.</summary>
    float TrainStep();

    /// <summary>Writes the checkpoint folder.</summary>
    void SaveCheckpoint(string directory);

    /// <summary>Restores a checkpoint folder of the same run settings.</summary>
    void LoadCheckpoint(string directory);
}
