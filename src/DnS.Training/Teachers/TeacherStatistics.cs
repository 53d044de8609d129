namespace DnS.Training.Teachers;

/// <summary>A teacher's score distribution over the sampled pairs.</summary>
/// <param name="Mean">μ, the mean score.</param>
/// <param name="StandardDeviation">σ, the population standard deviation (0 for a constant teacher).</param>
public readonly record struct TeacherStatistics(double Mean, double StandardDeviation);
