using System.Diagnostics;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>A writer process killed at arbitrary points must leave the last committed index readable.</summary>
public sealed class CrashSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Index_survives_a_writer_killed_mid_commit()
    {
        string host = Path.Combine(AppContext.BaseDirectory, "DnS.Core.TestHost.dll");
        string index = Path.Combine(_dir, "index");
        var rng = new Random(5);
        int lastSeen = -1;
        for (int round = 0; round < 5; round++)
        {
            using var writer = Process.Start(new ProcessStartInfo("dotnet", [host, "write-loop", index])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            // Let it commit a few generations, then kill it at a random moment inside the loop.
            for (int commits = 0; commits < 3;)
            {
                string? line = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
                if (line is null) Assert.Fail("the writer exited early: " + await writer.StandardError.ReadToEndAsync());
                if (line!.StartsWith("committed", StringComparison.Ordinal)) commits++;
            }
            await Task.Delay(rng.Next(0, 40));
            writer.Kill();
            await writer.WaitForExitAsync();

            await using var store = await FileVideoStore.OpenAsync(index);
            store.TryGetRecord("anchor", out var anchor).Should().BeTrue();
            int videos = store.Ids.Count(id => id.StartsWith('v'));
            anchor.SelfSimilarity.Should().Be(videos - 1, "each commit replaces the anchor and adds one video atomically");
            videos.Should().BeGreaterThan(lastSeen, "every round commits at least three generations");
            lastSeen = videos;
            for (int ordinal = 0; ordinal < store.CoarseBlocks.Sum(b => b.Count); ordinal++)
                store.GetRecord(ordinal).FineFloats.Length.Should().Be(store.GetRecord(ordinal).Frames * 9 * 64);
        }
    }
}
