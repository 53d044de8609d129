using System.Diagnostics;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// The kill half of the fault-injection suite: a real writer process (tests/DnS.Core.TestHost) killed at random points
/// of its commit loop must leave an index that reopens with every commit it reported, and a user's files untouched.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private const int Kills = 40;
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Fault_writer_killed_mid_commit_40_times_loses_no_committed_video_and_no_user_file()
    {
        // Four indexes killed ten times each, side by side: the kills are what matters, not their order.
        int[] kills = await Task.WhenAll(Enumerable.Range(0, Chains).Select(chain => KillChain(Path.Combine(_dir, $"index{chain}"), new Random(5 + chain))));
        kills.Sum().Should().BeGreaterThanOrEqualTo(40);
    }

    private const int Chains = 4;

    private static async Task<int> KillChain(string index, Random rng)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "DnS.Core.TestHost.dll");
        await (await FileVideoStore.CreateOrOpenAsync(index, new StoreSchema(64, FineFeatureKind.Float, 9, 64))).DisposeAsync();
        string[] userFiles = ["seg-000.ts", "draft.tmp", "seg-99999999.dns", "notes.txt"];
        foreach (var file in userFiles) await File.WriteAllTextAsync(Path.Combine(index, file), file);
        int lastCommitted = -1;
        for (int kill = 0; kill < Kills / Chains; kill++)
        {
            using var writer = Process.Start(new ProcessStartInfo("dotnet", [host, "write-loop", index])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            // Wait for one commit, then kill at a random moment of the loop (most of which is committing).
            string? line = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            if (line is null) Assert.Fail("the writer exited early: " + await writer.StandardError.ReadToEndAsync());
            await Task.Delay(rng.Next(0, 25));
            writer.Kill();
            await writer.WaitForExitAsync();
            // Every commit the writer reported before it died is durable (lines read after the kill count too).
            for (string? more = line; more is not null; more = await writer.StandardOutput.ReadLineAsync())
                if (more.StartsWith("committed ", StringComparison.Ordinal)) lastCommitted = Math.Max(lastCommitted, int.Parse(more["committed ".Length..]));

            await using (var store = await FileVideoStore.OpenAsync(index))
            {
                int videos = store.Ids.Count(id => id.StartsWith('v'));
                videos.Should().BeGreaterThan(lastCommitted, $"kill {kill}: every reported commit (up to v{lastCommitted}) survives");
                store.TryGetRecord("anchor", out var anchor).Should().BeTrue();
                anchor.SelfSimilarity.Should().Be(videos - 1, "each commit replaces the anchor and adds one video atomically");
                for (int v = 0; v < videos; v++)
                {
                    store.TryGetRecord($"v{v}", out var record).Should().BeTrue($"kill {kill}: v{v} is committed");
                    record.FineFloats.Length.Should().Be(30 * 9 * 64);
                }
            }
            foreach (var file in userFiles)
                (await File.ReadAllTextAsync(Path.Combine(index, file))).Should().Be(file, $"kill {kill}: files the index did not write are never touched");
        }
        // The next writer cleans up exactly what the killed ones left: only listed segments and the index's own files remain.
        await using var last = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false });
        last.Ids.Count.Should().BeGreaterThan(Kills / Chains);
        var own = Directory.GetFiles(index).Select(Path.GetFileName).Where(n => !userFiles.Contains(n)).ToList();
        own.Where(n => n!.StartsWith("seg-0", StringComparison.Ordinal)).Should().HaveCount(last.CoarseBlocks.Count, "no segment of a killed commit is left")
            .And.OnlyContain(n => n!.EndsWith(".dns"));
        own.Where(n => !n!.StartsWith("seg-0", StringComparison.Ordinal)).Should().BeSubsetOf(["manifest.json", "LOCK", "intent.log"]);
        return Kills / Chains;
    }
}
