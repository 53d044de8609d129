using DnS.Training.Data;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// The videos of a view source: entries whose ids share the video part of <c>&lt;video&gt;#&lt;view&gt;</c> are views of
/// one video; any other id is a video with a single view (its two training views then differ only temporally).
/// </summary>
public sealed class ViewGroups
{
    private readonly List<int[]> _views = [];
    private readonly List<string> _videos = [];

    /// <summary>Groups the entries of <paramref name="source"/> by video, in first-seen order.</summary>
    public ViewGroups(IRegionFeatureSource source)
    {
        var byVideo = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < source.Count; i++)
        {
            AugmentedViewId.TryParse(source.GetId(i), out string video, out _);
            if (!byVideo.TryGetValue(video, out var list))
            {
                byVideo[video] = list = [];
                _videos.Add(video);
            }
            list.Add(i);
        }
        foreach (string video in _videos) _views.Add([.. byVideo[video]]);
    }

    /// <summary>Number of videos.</summary>
    public int Count => _videos.Count;

    /// <summary>The id of video <paramref name="video"/>.</summary>
    public string GetVideo(int video) => _videos[video];

    /// <summary>The source indices of the views of video <paramref name="video"/>.</summary>
    public IReadOnlyList<int> GetViews(int video) => _views[video];
}
