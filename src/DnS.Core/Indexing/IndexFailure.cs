namespace DnS.Core.Indexing;

/// <summary>A video that could not be indexed, and why.</summary>
/// <param name="Source">The video.</param>
/// <param name="Reason">A one-line reason (the exception's message).</param>
/// <param name="Exception">The exception.</param>
public sealed record IndexFailure(VideoSource Source, string Reason, Exception Exception);
