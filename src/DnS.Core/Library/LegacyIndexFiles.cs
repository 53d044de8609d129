using System.Text.Json;

namespace DnS.Core.Library;

/// <summary>
/// The sidecar files the <c>dns</c> tool wrote beside an index before libraries recorded themselves in the store
/// metadata: <c>dns-index.json</c> (what built the index) and <c>dns-sources.json</c> (id → video file). An index
/// that has them opens as a library; its first commit moves them into the metadata and deletes them.
/// </summary>
internal static class LegacyIndexFiles
{
    public const string ProfileFileName = "dns-index.json";
    public const string SourcesFileName = "dns-sources.json";

    private sealed record Profile(string? Models, string? Backbone, string? Pca, bool Binary);

    /// <summary>The profile recorded in <c>dns-index.json</c>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static LibraryProfile? ReadProfile(string indexFolder)
    {
        var legacy = Read<Profile>(indexFolder, ProfileFileName, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return legacy is null ? null
            : LibraryProfile.FromOptions(new VideoLibraryOptions { Models = legacy.Models, Binary = legacy.Binary, Features = new() { Backbone = legacy.Backbone, Pca = legacy.Pca } });
    }

    /// <summary>The sources recorded in <c>dns-sources.json</c> for the live ids, with each file's current size and time.</summary>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static Dictionary<string, VideoSourceInfo> ReadSources(string indexFolder, IReadOnlyCollection<string> liveIds)
    {
        var sources = new Dictionary<string, VideoSourceInfo>(StringComparer.Ordinal);
        var paths = Read<Dictionary<string, string>>(indexFolder, SourcesFileName, new JsonSerializerOptions());
        if (paths is null) return sources;
        var live = liveIds.ToHashSet(StringComparer.Ordinal);
        foreach (var (id, path) in paths)
            if (live.Contains(id))
                sources[id] = VideoSourceInfo.Of(path) ?? new VideoSourceInfo(Path.GetFullPath(path), -1, DateTime.MinValue);
        return sources;
    }

    /// <summary>Deletes the sidecars once their content is committed in the metadata.</summary>
    public static void Delete(string indexFolder)
    {
        File.Delete(Path.Combine(indexFolder, ProfileFileName));
        File.Delete(Path.Combine(indexFolder, SourcesFileName));
    }

    private static T? Read<T>(string indexFolder, string fileName, JsonSerializerOptions options) where T : class
    {
        string path = Path.Combine(indexFolder, fileName);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options) ?? throw new InvalidDataException($"{path} is empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is malformed: {e.Message}", e); }
    }
}
