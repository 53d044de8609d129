namespace DnS.Core.Indexing;

/// <summary>A video to index: its id in the store and its file.</summary>
/// <param name="Id">The id (unique within a run; an id already in the store is replaced).</param>
/// <param name="Path">The video file.</param>
public sealed record VideoSource(string Id, string Path);
