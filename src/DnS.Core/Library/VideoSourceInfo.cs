namespace DnS.Core.Library;

/// <summary>Where a committed video came from: the file and its size and modification time when it was indexed.</summary>
/// <param name="Path">The full path of the video file.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="LastWriteTimeUtc">Its last modification time (UTC).</param>
public sealed record VideoSourceInfo(string Path, long Length, DateTime LastWriteTimeUtc)
{
    /// <summary>The file's current state, or null when it does not exist.</summary>
    public static VideoSourceInfo? Of(string path)
    {
        var file = new FileInfo(System.IO.Path.GetFullPath(path));
        return file.Exists ? new VideoSourceInfo(file.FullName, file.Length, file.LastWriteTimeUtc) : null;
    }
}
