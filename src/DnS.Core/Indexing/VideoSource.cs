namespace DnS.Core.Indexing;

/// <summary>A video to index: its id in the store and its file.</summary>
/// <param name="Id">The id (unique within a run; an id already in the store is replaced).</param>
/// <param name="Path">The video file.</param>
public sealed record VideoSource(string Id, string Path)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming both files when two videos share an id.</summary>
    internal static void ThrowIfIdsRepeat(IReadOnlyList<VideoSource> videos)
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var video in videos)
            if (!byId.TryAdd(video.Id, video.Path)) throw new ArgumentException($"id '{video.Id}' is used by {byId[video.Id]} and {video.Path}", nameof(videos));
    }
}
