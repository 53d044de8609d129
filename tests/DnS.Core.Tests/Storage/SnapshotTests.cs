using System.Diagnostics;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.TestHost;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>Readers see one consistent version while writers commit, replace, remove and compact, in and across processes.</summary>
public sealed class SnapshotTests : IDisposable
{
    private static readonly StoreSchema Schema = new(CoarseDimensions: 8, FineFeatureKind.Float, Regions: 3, FineDimensions: 5);
    private const int Videos = 24, Queries = 2;
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-snapshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Index => Path.Combine(_dir, "index");

    private static void ShouldEqual(VideoRecord actual, VideoRecord expected)
    {
        actual.Id.Should().Be(expected.Id);
        actual.Frames.Should().Be(expected.Frames);
        actual.Coarse.ToArray().Should().Equal(expected.Coarse.ToArray());
        actual.FineFloats.ToArray().Should().Equal(expected.FineFloats.ToArray());
    }

    [Fact]
    public async Task A_snapshot_keeps_its_version_through_replacement_removal_and_compaction_and_frees_its_segments_when_disposed()
    {
        await using var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        var a = VideoStoreTests.Record(Schema, "a", 3, 1);
        var b = VideoStoreTests.Record(Schema, "b", 2, 2);
        await store.AddAsync(a);
        await store.AddAsync(b);
        await store.CommitAsync();
        string first = Directory.GetFiles(Index, "seg-*").Single();
        var c = VideoStoreTests.Record(Schema, "c", 1, 4);
        await store.AddAsync(c);
        await store.CommitAsync();

        var snapshot = store.AcquireSnapshot();
        var heldRecord = snapshot.GetRecord(0);
        await store.AddAsync(VideoStoreTests.Record(Schema, "a", 5, 3));
        await store.RemoveAsync("b");
        await store.CommitAsync();
        await store.CompactAsync();

        store.Ids.Should().BeEquivalentTo(["a", "c"]);
        snapshot.Ids.Should().Equal("a", "b", "c");
        snapshot.TryGetRecord("a", out var oldA).Should().BeTrue();
        ShouldEqual(oldA, a);
        ShouldEqual(snapshot.GetRecord(1), b);
        snapshot.TryGetRecord("c", out var gotC).Should().BeTrue();
        ShouldEqual(gotC, c);
        ShouldEqual(heldRecord, a);
        snapshot.CoarseBlocks[0].Vectors.Span[..8].ToArray().Should().Equal(a.Coarse.ToArray());
        File.Exists(first).Should().BeTrue("the snapshot still reads the retired segment");

        snapshot.Dispose();
        File.Exists(first).Should().BeFalse("the last holder let go of a retired segment");
        Directory.GetFiles(Index, "seg-*").Should().ContainSingle("compaction left one live segment");
        store.TryGetRecord("a", out var newA).Should().BeTrue();
        newA.Frames.Should().Be(5);
    }

    [Fact]
    public async Task Use_after_dispose_throws_ObjectDisposedException_for_snapshots_stores_and_records_handed_out()
    {
        var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        await store.AddAsync(VideoStoreTests.Record(Schema, "a", 3, 1));
        await store.CommitAsync();
        var snapshot = store.AcquireSnapshot();
        var fromSnapshot = snapshot.GetRecord(0);
        var block = snapshot.CoarseBlocks[0];
        snapshot.Dispose();
        snapshot.Dispose(); // idempotent
        snapshot.Invoking(s => s.GetRecord(0)).Should().Throw<ObjectDisposedException>();
        snapshot.Invoking(s => s.Count).Should().Throw<ObjectDisposedException>();
        fromSnapshot.FineFloats.Span.Length.Should().Be(3 * 15, "the store itself still holds the segment");

        var fromStore = store.GetRecord(0);
        await store.DisposeAsync();
        store.Invoking(s => s.GetRecord(0)).Should().Throw<ObjectDisposedException>();
        store.Invoking(s => s.Count).Should().Throw<ObjectDisposedException>();
        store.Invoking(s => s.AcquireSnapshot()).Should().Throw<ObjectDisposedException>();
        await store.Awaiting(s => s.AddAsync(VideoStoreTests.Record(Schema, "b", 1, 2)).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        // Nothing holds the segment any more: its memory is unmapped, and reading it is an exception, not a crash.
        fromStore.Invoking(r => r.FineFloats.Span.ToArray()).Should().Throw<ObjectDisposedException>().WithMessage("*seg-00000001.dns*");
        fromSnapshot.Invoking(r => r.Coarse.Span.ToArray()).Should().Throw<ObjectDisposedException>();
        block.Invoking(b => b.Vectors.Span.ToArray()).Should().Throw<ObjectDisposedException>();

        var memory = new InMemoryVideoStore(Schema);
        var memorySnapshot = memory.AcquireSnapshot();
        memorySnapshot.Dispose();
        memorySnapshot.Invoking(s => s.Ids).Should().Throw<ObjectDisposedException>();
        await memory.DisposeAsync();
        memory.Invoking(s => s.Count).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_snapshot_outlives_its_store_and_the_next_writer_deletes_what_it_retired()
    {
        var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        await store.AddAsync(VideoStoreTests.Record(Schema, "a", 2, 1));
        await store.CommitAsync();
        string first = Directory.GetFiles(Index, "seg-*").Single();
        var snapshot = store.AcquireSnapshot();
        await store.AddAsync(VideoStoreTests.Record(Schema, "a", 4, 2));
        await store.CommitAsync();
        await store.DisposeAsync();

        ShouldEqual(snapshot.GetRecord(0), VideoStoreTests.Record(Schema, "a", 2, 1));
        snapshot.Dispose();
        File.Exists(first).Should().BeTrue("a disposed store deletes nothing: the manifest lists the file as retired");
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Index, "manifest.json")))!["retired"]!.AsArray()
            .Select(n => n!.GetValue<string>()).Should().Equal(Path.GetFileName(first));

        await using var next = await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = false });
        File.Exists(first).Should().BeFalse("the next writer deletes the retired segment it finds listed");
        next.TryGetRecord("a", out var a).Should().BeTrue();
        a.Frames.Should().Be(4);
    }

    /// <summary>The expected coarse and fine score of every stress video against a query, from an in-memory store of
    /// one reference version each (the scores do not depend on the version: see <see cref="StressCorpus"/>).</summary>
    private static async Task<Dictionary<string, (float Coarse, float Fine)>> ExpectedScores(DnsModels models, VideoRecord query)
    {
        await using var reference = new InMemoryVideoStore(DnS.Core.Indexing.VideoRecordFactory.SchemaOf(models));
        for (int v = 0; v < Videos; v++) await reference.AddAsync(StressCorpus.Record(models, v, 1));
        await reference.CommitAsync();
        var scores = new RetrievalEngine(models, reference).ScoreAll(query, SelectorPolicy.FineOnly);
        return Enumerable.Range(0, scores.Ids.Length).ToDictionary(o => scores.Ids[o], o => (scores.Coarse[o], scores.Fine[o]));
    }

    /// <summary>Searches once and checks every hit's scores against its id's content.</summary>
    private static void SearchAndCheck(RetrievalEngine engine, VideoRecord query, Dictionary<string, (float Coarse, float Fine)> expected)
    {
        var result = engine.Search(query, SelectorPolicy.FineOnly, top: 8);
        result.Hits.Should().NotBeEmpty();
        result.Hits.Select(h => h.Id).Should().OnlyHaveUniqueItems().And.NotContain(query.Id);
        foreach (var hit in result.Hits)
        {
            hit.CoarseScore.Should().BeApproximately(expected[hit.Id].Coarse, 1e-5f, $"the coarse row scored for '{hit.Id}' is its own");
            hit.FineScore.Should().BeApproximately(expected[hit.Id].Fine, 1e-5f, $"the fine features scored for '{hit.Id}' are its own");
        }
    }

    [Fact]
    public async Task Searches_on_the_writers_store_see_consistent_snapshots_while_it_replaces_removes_and_compacts()
    {
        var models = StressCorpus.Models();
        var queries = Enumerable.Range(0, Queries).Select(q => StressCorpus.Record(models, q, 1)).ToArray();
        var expected = await Task.WhenAll(queries.Select(q => ExpectedScores(models, q)));
        await using var store = await FileVideoStore.CreateOrOpenAsync(Index, DnS.Core.Indexing.VideoRecordFactory.SchemaOf(models));
        await using var reader = await FileVideoStore.OpenAsync(Index);
        int searches = 0;
        // After commit c the writer waits (60 s at most) until the readers have searched more than c + 1 times in all, so
        // searches interleave with every commit however the two cores are scheduled: on a loaded machine the writer
        // once finished its 40 commits before any reader started.
        var writer = Task.Run(() => StressCorpus.ReplaceLoopAsync(store, Videos, commits: 40,
            committed: c => SpinWait.SpinUntil(() => Volatile.Read(ref searches) > c + 1, TimeSpan.FromSeconds(60))));
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            // Reader 0 searches the writer's own store; the others a read-only store of the same index, refreshed.
            IVideoStore searched = r == 0 ? store : reader;
            var engine = new RetrievalEngine(models, searched, maxDegreeOfParallelism: 1);
            while (!writer.IsCompleted)
            {
                if (r != 0) await reader.RefreshAsync();
                if (searched.Count == 0) continue; // before the first commit
                SearchAndCheck(engine, queries[r % Queries], expected[r % Queries]);
                Interlocked.Increment(ref searches);
            }
        })).ToArray();
        await Task.WhenAll([writer, .. readers]);
        searches.Should().BeGreaterThan(40, "the readers searched throughout the writer's 40 commits");
        store.Count.Should().Be(Videos - 1, "one video is removed at any time");
        Directory.GetFiles(Index, "seg-*").Length.Should().BeLessThanOrEqualTo(store.CoarseBlocks.Count + 1, "retired segments are deleted once released");
    }

    [Fact]
    public async Task Searches_in_this_process_survive_a_writer_process_that_replaces_and_compacts()
    {
        var models = StressCorpus.Models();
        var queries = Enumerable.Range(0, Queries).Select(q => StressCorpus.Record(models, q, 1)).ToArray();
        var expected = await Task.WhenAll(queries.Select(q => ExpectedScores(models, q)));
        using var writer = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "DnS.Core.TestHost.dll"), "replace-loop", Index, $"{Videos}", "100000"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var stderr = writer.StandardError.ReadToEndAsync();
            int committed = -1;
            var lines = Task.Run(async () =>
            {
                for (string? line; (line = await writer.StandardOutput.ReadLineAsync()) is not null;)
                    Volatile.Write(ref committed, int.Parse(line["committed ".Length..]));
            });
            while (Volatile.Read(ref committed) < 0 && !writer.HasExited) await Task.Delay(10);
            writer.HasExited.Should().BeFalse("the writer must commit: " + (writer.HasExited ? await stderr : ""));
            await using var reader = await FileVideoStore.OpenAsync(Index);
            var engine = new RetrievalEngine(models, reader, maxDegreeOfParallelism: 1);
            int searches = 0, firstSeen = Volatile.Read(ref committed);
            // Search until the other process has committed 40 more times (replacing, removing, compacting) meanwhile.
            while (Volatile.Read(ref committed) < firstSeen + 40 && !writer.HasExited)
            {
                await reader.RefreshAsync();
                SearchAndCheck(engine, queries[searches % Queries], expected[searches % Queries]);
                searches++;
            }
            writer.StandardInput.Close();
            await writer.WaitForExitAsync();
            await lines;
            writer.ExitCode.Should().Be(0, await stderr);
            committed.Should().BeGreaterThanOrEqualTo(firstSeen + 40);
            await reader.RefreshAsync();
            SearchAndCheck(engine, queries[0], expected[0]);
            reader.Count.Should().Be(Videos - 1);
            searches.Should().BeGreaterThan(10, "this process searched while the other committed");
        }
        finally
        {
            if (!writer.HasExited) writer.Kill();
        }
    }
}
