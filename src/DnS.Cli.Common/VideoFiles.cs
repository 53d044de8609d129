using System.IO.Enumeration;
using DnS.Core.Indexing;

namespace DnS.Cli;

/// <summary>Expands the command line's files and folders into videos with ids (file names without extension).</summary>
internal static class VideoFiles
{
    public static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".gif", ".mpg", ".mpeg", ".ts", ".wmv", ".flv", ".3gp", ".ogv",
    };

    /// <exception cref="ArgumentException">A path does not exist, or two files would get the same id.</exception>
    public static IReadOnlyList<VideoSource> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
                files.AddRange(VideosUnder(path).Order(StringComparer.Ordinal));
            else if (File.Exists(path)) files.Add(path); // named explicitly: taken whatever its extension
            else throw new ArgumentException($"no such file or folder: {path}");
        }
        var sources = new List<VideoSource>();
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files.Select(Path.GetFullPath).Distinct())
        {
            string id = Path.GetFileNameWithoutExtension(file);
            if (byId.TryGetValue(id, out var other))
                throw new ArgumentException($"id collision: '{id}' is both {other} and {file} (ids are file names without extension)");
            byId[id] = file;
            sources.Add(new VideoSource(id, file));
        }
        return sources;
    }

    // Files with a video extension anywhere below the folder. Linked folders are not entered: two links to their own
    // folder would make the walk endless; a linked file is taken like any other.
    private static IEnumerable<string> VideosUnder(string folder) =>
        new FileSystemEnumerable<string>(folder, (ref FileSystemEntry entry) => entry.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && Extensions.Contains(Path.GetExtension(entry.FileName).ToString()),
            ShouldRecursePredicate = (ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };
}
