namespace DnS.Core.Evaluation;

/// <summary>The average precision of one evaluated query.</summary>
/// <param name="Query">Query id.</param>
/// <param name="AveragePrecision">AP: Σ(i/rank_i) over relevant hits, divided by the size of the relevant set.</param>
/// <param name="Relevant">Size of the relevant set (within the dataset).</param>
/// <param name="RelevantRanked">Relevant videos found in the ranking.</param>
/// <param name="Ranked">Entries that took a rank position (query itself and out-of-dataset ids excluded).</param>
public sealed record QueryAveragePrecision(string Query, double AveragePrecision, int Relevant, int RelevantRanked, int Ranked);
