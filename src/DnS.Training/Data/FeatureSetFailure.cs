namespace DnS.Training.Data;

/// <summary>A video whose features could not be extracted, and why.</summary>
/// <param name="Id">The video's id.</param>
/// <param name="Path">The file.</param>
/// <param name="Reason">A one-line reason (the exception's message).</param>
/// <param name="Exception">The exception.</param>
public sealed record FeatureSetFailure(string Id, string Path, string Reason, Exception Exception);
