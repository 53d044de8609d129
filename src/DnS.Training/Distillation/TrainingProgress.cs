namespace DnS.Training.Distillation;

/// <summary>One step's report.</summary>
/// <param name="Step">Steps done so far (1-based after the first step).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Epoch">The epoch of this step (0-based).</param>
/// <param name="Loss">This step's loss.</param>
/// <param name="RunningLoss">Mean loss over this epoch's steps so far (in this process).</param>
/// <param name="Elapsed">Time spent in this call of <c>Train</c>.</param>
/// <param name="Remaining">Estimated time to <paramref name="TotalSteps"/> at this call's pace.</param>
public readonly record struct TrainingProgress(long Step, long TotalSteps, long Epoch, float Loss, float RunningLoss, TimeSpan Elapsed, TimeSpan Remaining);
