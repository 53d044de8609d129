namespace DnS.Core.Retrieval;

/// <summary>The outcome of one query: ranked hits plus what each stage did.</summary>
/// <param name="QueryId">The query's id.</param>
/// <param name="Policy">The selection policy used.</param>
/// <param name="Hits">The best hits, best first.</param>
/// <param name="Statistics">Pair counts and timings per stage.</param>
public sealed record SearchResult(string QueryId, SelectorPolicy Policy, IReadOnlyList<SearchHit> Hits, StageStatistics Statistics);
