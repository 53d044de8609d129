// Test host: a real, separately killable process for the store's crash and snapshot tests.
// `write-loop <index-dir>` commits generation after generation forever (until killed). Commit i adds video "v{i}" and
// replaces video "anchor" with one whose SelfSimilarity is i, so every committed state has
// anchor.SelfSimilarity == (number of v* videos) − 1: the invariant the crash test checks after a kill.
// `replace-loop <index-dir> <videos> <commits>` runs StressCorpus.ReplaceLoopAsync while the test process searches,
// until the commits are done or its standard input is closed.
// `add-region-means <index-dir>` opens the index for writing, prints "started", adds region means
// (FileVideoStore.AddRegionMeansAsync) and prints "upgraded": the commit the crash test kills.
using DnS.Core.Storage;
using DnS.Core.TestHost;

switch (args)
{
    case ["write-loop", var directory]:
    {
        var schema = new StoreSchema(CoarseDimensions: 64, FineFeatureKind.Float, Regions: 9, FineDimensions: 64);
        await using var store = await FileVideoStore.CreateOrOpenAsync(directory, schema);
        var rng = new Random();
        for (int i = store.Ids.Count(id => id.StartsWith('v')); ; i++)
        {
            int frames = 1 + i % 7;
            float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
            await store.AddAsync(new VideoRecord("anchor", frames, Fill(64), Fill(frames * 9 * 64), ReadOnlyMemory<ulong>.Empty, i));
            await store.AddAsync(new VideoRecord($"v{i}", 30, Fill(64), Fill(30 * 9 * 64), ReadOnlyMemory<ulong>.Empty, 0f));
            await store.CommitAsync();
            Console.WriteLine($"committed {i}");
        }
    }
    case ["replace-loop", var directory, var videos, var commits]:
    {
        var models = StressCorpus.Models();
        await using var store = await FileVideoStore.CreateOrOpenAsync(directory, DnS.Core.Indexing.VideoRecordFactory.SchemaOf(models));
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
        await StressCorpus.ReplaceLoopAsync(store, int.Parse(videos), int.Parse(commits), c => Console.WriteLine($"committed {c}"), () => stdinClosed.IsCompleted);
        return 0;
    }
    case ["add-region-means", var directory]:
    {
        await using var store = await FileVideoStore.OpenAsync(directory, new FileVideoStoreOptions { ReadOnly = false });
        Console.WriteLine("started");
        await store.AddRegionMeansAsync();
        Console.WriteLine("upgraded");
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: write-loop <index-dir> | replace-loop <index-dir> <videos> <commits> | add-region-means <index-dir>");
        return 2;
}
