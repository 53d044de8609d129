namespace DnS.Core.Indexing;

/// <summary>The outcome of an ingestion run.</summary>
/// <param name="Indexed">Ids extracted, stored and committed.</param>
/// <param name="Skipped">Ids left alone because the store already held them from the same source.</param>
/// <param name="Failed">Videos that failed, with reasons.</param>
/// <param name="Frames">Frames encoded.</param>
/// <param name="Commits">Commits the run made.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record IndexReport(IReadOnlyList<string> Indexed, IReadOnlyList<string> Skipped, IReadOnlyList<IndexFailure> Failed, long Frames, int Commits, TimeSpan Elapsed);
