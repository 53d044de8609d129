namespace DnS.Core.Indexing;

/// <summary>The outcome of an indexing run.</summary>
/// <param name="Indexed">Ids indexed and committed.</param>
/// <param name="Failed">Videos that failed, with reasons.</param>
/// <param name="Frames">Frames encoded.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record IndexReport(IReadOnlyList<string> Indexed, IReadOnlyList<IndexFailure> Failed, long Frames, TimeSpan Elapsed);
