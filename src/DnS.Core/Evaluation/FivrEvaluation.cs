namespace DnS.Core.Evaluation;

/// <summary>The result of evaluating one run on one FIVR task.</summary>
/// <param name="Task">The task.</param>
/// <param name="MeanAveragePrecision">mAP over the evaluated queries (numpy's summation order, bit-exact with the official script).</param>
/// <param name="PerQuery">APs of the evaluated queries, in annotation order.</param>
/// <param name="MissingFromResults">Annotated queries absent from the results (skipped, not counted as 0).</param>
/// <param name="NotInDataset">Queries outside the dataset (skipped).</param>
/// <param name="EmptyRelevantSet">Queries with no relevant video in the dataset (skipped).</param>
public sealed record FivrEvaluation(
    FivrTask Task,
    double MeanAveragePrecision,
    IReadOnlyList<QueryAveragePrecision> PerQuery,
    IReadOnlyList<string> MissingFromResults,
    IReadOnlyList<string> NotInDataset,
    IReadOnlyList<string> EmptyRelevantSet);
