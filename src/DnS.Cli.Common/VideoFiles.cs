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
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal));
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
}
