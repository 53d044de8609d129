namespace DnS.Training.SelfSupervised;

/// <summary>The losses of one self-supervised step (before the optimizer update).</summary>
/// <param name="Total">InfoNCE + λ·hard-negative + r·regularization.</param>
/// <param name="InfoNce">The InfoNCE term.</param>
/// <param name="HardNegative">The SSHN term (hardest negative and self-similarity), unweighted.</param>
/// <param name="Regularization">The similarity regularization, unweighted.</param>
public readonly record struct SelfSupervisedLosses(double Total, double InfoNce, double HardNegative, double Regularization);
