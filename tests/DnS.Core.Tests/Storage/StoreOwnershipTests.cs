using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>The store deletes only files it lists itself (intent log, retired segments); it refuses folders it does not own.</summary>
public sealed class StoreOwnershipTests : IDisposable
{
    private static readonly StoreSchema Schema = new(CoarseDimensions: 4, FineFeatureKind.Float, Regions: 2, FineDimensions: 3);
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-owner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Index => Path.Combine(_dir, "index");

    /// <summary>Every file under <paramref name="directory"/> with its bytes.</summary>
    internal static Dictionary<string, byte[]> Contents(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(directory, f), File.ReadAllBytes);

    private static void WriteUserFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "seg-000.ts"), "a user's video segment");
        File.WriteAllText(Path.Combine(directory, "draft.tmp"), "a user's draft");
        File.WriteAllText(Path.Combine(directory, "seg-99999999.dns"), "named like a segment, but no manifest or intent log lists it");
        File.WriteAllText(Path.Combine(directory, "seg-99999999.dns.tmp"), "named like a segment's temporary file");
    }

    [Fact]
    public async Task Opening_a_folder_of_user_files_as_an_index_is_refused_and_changes_nothing()
    {
        Directory.CreateDirectory(Path.Combine(Index, "clips"));
        File.WriteAllText(Path.Combine(Index, "seg-000.ts"), "a user's video segment");
        File.WriteAllText(Path.Combine(Index, "draft.tmp"), "a user's draft");
        var before = Contents(Index);
        var act = async () => await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage($"{Index}*not a DnS index*Nothing was changed*");
        Contents(Index).Should().BeEquivalentTo(before, "not even a lock file is created");
    }

    [Fact]
    public async Task User_files_in_an_index_folder_survive_commits_replacements_compaction_and_reopening()
    {
        await using (var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema))
        {
            WriteUserFiles(Index);
            await store.AddAsync(VideoStoreTests.Record(Schema, "a", 2, 1));
            await store.AddAsync(VideoStoreTests.Record(Schema, "c", 1, 9));
            await store.CommitAsync();
            await store.AddAsync(VideoStoreTests.Record(Schema, "a", 3, 2));
            await store.CommitAsync();
            await store.CompactAsync();
        }
        await using (var writer = await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            await writer.AddAsync(VideoStoreTests.Record(Schema, "b", 1, 3));
            await writer.CommitAsync();
            writer.Ids.Should().BeEquivalentTo(["a", "b", "c"]);
        }
        File.ReadAllText(Path.Combine(Index, "seg-000.ts")).Should().Be("a user's video segment");
        File.ReadAllText(Path.Combine(Index, "draft.tmp")).Should().Be("a user's draft");
        File.Exists(Path.Combine(Index, "seg-99999999.dns")).Should().BeTrue();
        File.Exists(Path.Combine(Index, "seg-99999999.dns.tmp")).Should().BeTrue();
        Directory.GetFiles(Index, "seg-0000000*.dns").Select(Path.GetFileName).Should().BeEquivalentTo(["seg-00000003.dns", "seg-00000004.dns"],
            "the replaced and the compacted segments were retired and deleted");
    }

    [Fact]
    public async Task A_lost_manifest_is_refused_and_the_segments_are_kept()
    {
        await using (var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema))
        {
            await store.AddAsync(VideoStoreTests.Record(Schema, "a", 2, 1));
            await store.CommitAsync();
            await store.AddAsync(VideoStoreTests.Record(Schema, "b", 2, 2));
            await store.CommitAsync();
        }
        File.Delete(Path.Combine(Index, "manifest.json"));
        var before = Contents(Index);
        var create = async () => await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        (await create.Should().ThrowAsync<StoreCorruptException>()).Which.Message.Should().Contain("manifest is missing but 2 segment files remain");
        var open = async () => await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = false });
        await open.Should().ThrowAsync<DirectoryNotFoundException>();
        Contents(Index).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Leftovers_of_a_killed_commit_are_deleted_by_name_from_the_intent_log_and_nothing_else()
    {
        await using (var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema))
        {
            await store.AddAsync(VideoStoreTests.Record(Schema, "a", 2, 1));
            await store.CommitAsync();
        }
        // What a writer killed after creating commit 2's segment and before its manifest rename leaves behind.
        File.WriteAllText(Path.Combine(Index, "intent.log"), "seg-00000002.dns.tmp\nseg-00000002.dns\nmanifest.json.tmp\nseg-00000001.dns\n../escape.dns\nseg-0000");
        File.WriteAllText(Path.Combine(Index, "manifest.json.tmp"), "{ half a manifest");
        File.WriteAllText(Path.Combine(Index, "seg-00000002.dns.tmp"), "half written");
        File.WriteAllText(Path.Combine(Index, "seg-00000002.dns"), "renamed, never committed");
        File.WriteAllText(Path.Combine(_dir, "escape.dns"), "outside the index");
        File.WriteAllText(Path.Combine(Index, "seg-0000"), "a user's file named like the torn last line");
        File.WriteAllText(Path.Combine(Index, "seg-00000003.dns"), "not listed anywhere");

        await using (var writer = await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            writer.Ids.Should().Equal("a");
            File.Exists(Path.Combine(Index, "seg-00000002.dns.tmp")).Should().BeFalse();
            File.Exists(Path.Combine(Index, "seg-00000002.dns")).Should().BeFalse();
            File.Exists(Path.Combine(Index, "manifest.json.tmp")).Should().BeFalse();
            File.Exists(Path.Combine(Index, "seg-00000001.dns")).Should().BeTrue("the manifest references it");
            File.Exists(Path.Combine(_dir, "escape.dns")).Should().BeTrue("a listed name that is not a segment name is ignored");
            File.Exists(Path.Combine(Index, "seg-0000")).Should().BeTrue("a torn last line names nothing");
            File.Exists(Path.Combine(Index, "seg-00000003.dns")).Should().BeTrue("unlisted files are never deleted");
            File.ReadAllText(Path.Combine(Index, "intent.log")).Should().BeEmpty();
        }
        var reader = async () => await FileVideoStore.OpenAsync(Index);
        (await reader.Should().NotThrowAsync()).Which.Ids.Should().Equal("a");
    }

    [Fact]
    public async Task A_commit_that_fails_deletes_what_it_created_and_keeps_the_last_commit()
    {
        await using var store = await FileVideoStore.CreateOrOpenAsync(Index, Schema);
        await store.AddAsync(VideoStoreTests.Record(Schema, "a", 2, 1));
        await store.CommitAsync();
        // A directory where the next commit's segment must go: the rename fails after the segment was written.
        Directory.CreateDirectory(Path.Combine(Index, "seg-00000002.dns"));
        await store.AddAsync(VideoStoreTests.Record(Schema, "b", 2, 2));
        var commit = async () => await store.CommitAsync();
        await commit.Should().ThrowAsync<IOException>();
        Directory.Delete(Path.Combine(Index, "seg-00000002.dns"));
        File.Exists(Path.Combine(Index, "seg-00000002.dns.tmp")).Should().BeFalse();
        store.Ids.Should().Equal("a");
        await store.CommitAsync();
        store.Ids.Should().BeEquivalentTo(["a", "b"], "the staged record is committed by the retry");
        await using var reader = await FileVideoStore.OpenAsync(Index, new FileVideoStoreOptions { ReadOnly = true });
        reader.Ids.Should().BeEquivalentTo(["a", "b"]);
    }

    [Fact]
    public void Directory_fsync_opens_the_real_directory_and_names_a_missing_one()
    {
        DirectorySync.Flush(_dir);
        string missing = Path.Combine(_dir, "missing");
        var act = () => DirectorySync.Flush(missing);
        if (OperatingSystem.IsWindows()) act.Should().NotThrow("Windows needs no directory fsync");
        else act.Should().Throw<IOException>().WithMessage($"{missing}*");
    }
}
