namespace DnS.Training.Distillation;

/// <summary>The selector's decisions (probability > 0.5 means re-rank) against the labels of a pair set.</summary>
/// <param name="Loss">Balanced binary cross-entropy (the trainer's class weights).</param>
/// <param name="Accuracy">Fraction of pairs decided as labeled.</param>
/// <param name="PositiveAccuracy">Fraction of label-1 pairs (the fine student disagrees with the coarse one) sent to re-ranking; NaN without such pairs.</param>
/// <param name="NegativeAccuracy">Fraction of label-0 pairs kept at their coarse score; NaN without such pairs.</param>
/// <param name="Positives">Label-1 pairs.</param>
/// <param name="Negatives">Label-0 pairs.</param>
public readonly record struct SelectorEvaluation(double Loss, double Accuracy, double PositiveAccuracy, double NegativeAccuracy, int Positives, int Negatives);
