using System.Text.Json;
using DnS.Core.Indexing;

namespace DnS.Cli;

/// <summary>
/// The source file of every indexed video (<c>dns-sources.json</c> in the index folder, id → absolute path), so
/// <c>dns-train distill --index</c> can re-extract raw region features from the videos an index was built from.
/// </summary>
internal static class IndexSources
{
    public const string FileName = "dns-sources.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Dictionary<string, string> Read(string indexDirectory)
    {
        string path = Path.Combine(indexDirectory, FileName);
        return File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty")
            : new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Records the sources of the videos just indexed (ids the index no longer holds are dropped); atomic.</summary>
    public static void Update(string indexDirectory, IEnumerable<VideoSource> indexed, IReadOnlyCollection<string> liveIds)
    {
        var sources = Read(indexDirectory);
        foreach (var source in indexed) sources[source.Id] = source.Path;
        var live = liveIds.ToHashSet(StringComparer.Ordinal);
        var kept = sources.Where(s => live.Contains(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value);
        string path = Path.Combine(indexDirectory, FileName), temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(kept, Json));
        File.Move(temp, path, overwrite: true);
    }
}
