namespace DnS.Core.Storage;

/// <summary>An on-disk index is damaged (truncated segment, checksum mismatch, unreadable manifest) or of an unknown format version.</summary>
public sealed class StoreCorruptException(string path, string message, Exception? inner = null)
    : Exception($"{path}: {message}", inner)
{
    /// <summary>The file that failed.</summary>
    public string FilePath { get; } = path;
}
