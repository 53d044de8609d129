using DnS.Core.Networks;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// A teacher's indexed videos (attention-weighted regions, binary codes), least recently used first out once they
/// exceed a byte budget. Training pairs are grouped by anchor and every anchor recurs as another anchor's negative,
/// so a modest budget saves most re-indexing while memory stays bounded for any corpus size.
/// </summary>
internal sealed class IndexedVideoCache(long budgetBytes)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, LinkedListNode<(int Video, FineFeatures Features)>> _entries = [];
    private readonly LinkedList<(int Video, FineFeatures Features)> _recency = new();
    private IRegionFeatureSource? _source;
    private long _bytes;

    /// <summary>The indexed form of <paramref name="video"/>, computed with <paramref name="index"/> on a miss.</summary>
    public FineFeatures GetOrAdd(IRegionFeatureSource source, int video, Func<IRegionFeatureSource, int, FineFeatures> index)
    {
        lock (_gate)
        {
            if (ReferenceEquals(source, _source) && _entries.TryGetValue(video, out var hit))
            {
                _recency.Remove(hit);
                _recency.AddFirst(hit);
                return hit.Value.Features;
            }
        }
        // Indexed outside the lock: two threads may index the same video once each, which is harmless.
        var features = index(source, video);
        if (features.StorageBytes > budgetBytes) return features;
        lock (_gate)
        {
            if (!ReferenceEquals(source, _source))
            {
                // Another corpus: the video indices mean other videos now.
                _entries.Clear();
                _recency.Clear();
                _bytes = 0;
                _source = source;
            }
            if (_entries.ContainsKey(video)) return features;
            _entries[video] = _recency.AddFirst((video, features));
            _bytes += features.StorageBytes;
            while (_bytes > budgetBytes)
            {
                var last = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(last.Value.Video);
                _bytes -= last.Value.Features.StorageBytes;
            }
        }
        return features;
    }
}
