namespace DnS.Training.Distillation;

/// <summary>One trained network: run length, loss and fit to the targets before and after.</summary>
/// <param name="Steps">Optimizer steps run in total (a resumed run counts the earlier ones too).</param>
/// <param name="FinalLoss">Running loss of the last epoch, or null when this run had no step left to train (resumed after the end).</param>
/// <param name="ErrorBefore">Mean |student − target| over the training pairs before training (selector: 1 − balanced accuracy).</param>
/// <param name="ErrorAfter">The same after training.</param>
/// <param name="Elapsed">Wall time of this run's training.</param>
public sealed record StageReport(long Steps, float? FinalLoss, double ErrorBefore, double ErrorAfter, TimeSpan Elapsed);
