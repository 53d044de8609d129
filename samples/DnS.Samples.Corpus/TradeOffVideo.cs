namespace DnS.Samples.Corpus;

/// <summary>A video of a <see cref="TradeOffStudy"/>: its id, whether it is a query, and its T×R×D region features.</summary>
public sealed record TradeOffVideo(string Id, bool IsQuery, ReadOnlyMemory<float> Regions);
