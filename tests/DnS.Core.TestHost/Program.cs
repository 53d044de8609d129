// Test host: `write-loop <index-dir>` commits generation after generation forever (until killed).
// Commit i adds video "v{i}" and replaces video "anchor" with one whose SelfSimilarity is i, so every committed
// state has anchor.SelfSimilarity == (number of v* videos) − 1: the invariant the crash test checks after a kill.
using DnS.Core.Storage;

if (args is not ["write-loop", var directory])
{
    Console.Error.WriteLine("usage: write-loop <index-dir>");
    return 2;
}
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
