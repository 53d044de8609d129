namespace DnS.Core.Storage;

/// <summary>Deletion of files the index wrote (never any other), tolerant of files another process still maps.</summary>
internal static class FileOwnership
{
    /// <summary>Deletes <paramref name="path"/> if it exists; false when the OS refuses now (e.g. Windows, while another
    /// process maps it): the caller keeps the name listed and retries later.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return !File.Exists(path);
        }
    }
}
