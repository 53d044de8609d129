namespace DnS.Training.SelfSupervised;

/// <summary>Progress of a training run, reported after every step.</summary>
/// <param name="Step">Steps done in this run.</param>
/// <param name="Steps">Steps of this run.</param>
/// <param name="Losses">The step's losses.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time to the end of the run (mean step time so far × steps left).</param>
public readonly record struct SelfSupervisedProgress(int Step, int Steps, SelfSupervisedLosses Losses, TimeSpan Elapsed, TimeSpan Remaining);
