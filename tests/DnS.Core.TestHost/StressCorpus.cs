using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Core.TestHost;

/// <summary>
/// Videos whose content encodes their id, for the snapshot stress tests: every frame of video k has the same region
/// vectors (a function of k only), so its coarse embedding and every fine similarity against it do not depend on the
/// version (frame count) a writer last stored. A hit whose scores differ from video k's is a hit with the wrong id.
/// </summary>
public static class StressCorpus
{
    public const int Regions = 2, Dims = 8;

    /// <summary>The parameter-free models the stress tests index and search with.</summary>
    public static DnsModels Models() => DnsModels.BuiltIn(Regions, Dims);

    public static string Id(int video) => $"s{video:D3}";

    /// <summary>Video <paramref name="video"/> as <paramref name="frames"/> identical frames.</summary>
    public static VideoRecord Record(DnsModels models, int video, int frames)
    {
        var frame = new float[Regions * Dims];
        var rng = new Random(video);
        for (int i = 0; i < frame.Length; i++) frame[i] = (float)rng.NextDouble() - 0.5f;
        var regions = new float[frames * frame.Length];
        for (int t = 0; t < frames; t++) frame.CopyTo(regions, t * frame.Length);
        return VideoRecordFactory.Create(models, Id(video), regions);
    }

    /// <summary>
    /// The replacing writer: <paramref name="commits"/> commits, each replacing a quarter of the videos with a new
    /// version (another frame count), removing one and re-adding the one removed before; a compaction every fifth.
    /// Videos 0 and 1 are never removed (the searches use them as queries). <paramref name="stop"/> ends it early, between commits.
    /// </summary>
    public static async Task ReplaceLoopAsync(IVideoStore store, int videos, int commits, Action<int>? committed = null, Func<bool>? stop = null,
        CancellationToken cancellationToken = default)
    {
        var models = Models();
        var rng = new Random(11);
        for (int v = 0; v < videos; v++) await store.AddAsync(Record(models, v, 1 + v % 3), cancellationToken);
        await store.CommitAsync(cancellationToken);
        int removed = -1;
        for (int c = 0; c < commits && stop?.Invoke() != true; c++)
        {
            for (int i = 0; i < videos / 4; i++)
            {
                int v = rng.Next(videos);
                if (v != removed) await store.AddAsync(Record(models, v, 1 + rng.Next(5)), cancellationToken);
            }
            if (removed >= 0) await store.AddAsync(Record(models, removed, 2), cancellationToken);
            removed = 2 + rng.Next(videos - 2);
            await store.RemoveAsync(Id(removed), cancellationToken);
            await store.CommitAsync(cancellationToken);
            if (store is FileVideoStore file && c % 5 == 4) await file.CompactAsync(cancellationToken);
            committed?.Invoke(c);
        }
    }
}
