namespace DnS.Training.SelfSupervised;

/// <summary>Progress of a training run, reported after every step.</summary>
/// <param name="Step">Steps done (counting those before a resumed checkpoint).</param>
/// <param name="Steps">Steps the run trains to.</param>
/// <param name="Losses">The step's losses.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimated time to the end of the run (mean step time of this session × steps left).</param>
public readonly record struct SelfSupervisedProgress(int Step, int Steps, SelfSupervisedLosses Losses, TimeSpan Elapsed, TimeSpan Remaining);
