using System.Text;

namespace DnS.Core.Storage;

/// <summary>
/// The write-ahead list of files a commit is about to create (<c>intent.log</c>): each name is appended and fsync'ed
/// before the file is created, so the leftovers of a commit killed half-way are known by name. Recovery deletes the
/// listed files the manifest does not reference and nothing else: a file the index did not write is never touched.
/// </summary>
internal static class IntentLog
{
    public const string FileName = "intent.log";
    private const string TempSuffix = ".tmp";

    /// <summary>The temporary name a segment is written under before its rename.</summary>
    public static string TempName(string segment) => segment + TempSuffix;

    /// <summary>Appends <paramref name="names"/> and fsyncs them before the caller creates the files.</summary>
    public static async Task AppendAsync(string directory, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, FileName);
        bool created = !File.Exists(path);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(names.Select(n => n + "\n"))), cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        if (created) DirectorySync.Flush(directory);
    }

    /// <summary>
    /// Deletes every listed file that <paramref name="keep"/> does not reference, then empties the log. Only complete
    /// lines naming a segment, a segment's temporary file or the manifest's count (a torn last line named a file never created).
    /// </summary>
    /// <returns>Whether every leftover is gone (false: a file could not be deleted now and stays listed).</returns>
    public static bool Recover(string directory, IReadOnlySet<string> keep)
    {
        string path = Path.Combine(directory, FileName);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        if (text.Length == 0) return true;
        var lines = text.Split('\n');
        var remaining = new List<string>();
        bool deleted = false;
        foreach (string name in lines.Take(lines.Length - 1).Distinct(StringComparer.Ordinal))
        {
            bool ours = IndexManifest.IsSegmentName(name) || name == IndexManifest.TempFileName
                        || (name.EndsWith(TempSuffix, StringComparison.Ordinal) && IndexManifest.IsSegmentName(name[..^TempSuffix.Length]));
            if (!ours || keep.Contains(name) || !File.Exists(Path.Combine(directory, name))) continue;
            if (FileOwnership.TryDelete(Path.Combine(directory, name))) deleted = true;
            else remaining.Add(name);
        }
        // The deletions reach the disk before the log forgets them.
        if (deleted) DirectorySync.Flush(directory);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(string.Concat(remaining.Select(n => n + "\n"))));
            stream.Flush(flushToDisk: true);
        }
        return remaining.Count == 0;
    }
}
