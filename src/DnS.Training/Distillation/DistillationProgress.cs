namespace DnS.Training.Distillation;

/// <summary>Where a distillation run is: the stage, its done/total units, and the training loss while a network trains.</summary>
/// <param name="Stage">The running stage.</param>
/// <param name="Completed">Anchors mined, pairs scored or steps trained so far.</param>
/// <param name="Total">Units of the stage.</param>
/// <param name="Loss">The epoch's running loss (NaN outside training).</param>
/// <param name="Remaining">Estimated time left in the stage.</param>
public readonly record struct DistillationProgress(DistillationStage Stage, long Completed, long Total, float Loss, TimeSpan Remaining);
