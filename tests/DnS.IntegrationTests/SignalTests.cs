using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>SIGTERM (systemd, containers, <c>timeout</c>) stops <c>dns index</c> like Ctrl+C: finished videos are committed.</summary>
public sealed partial class SignalTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    [Fact]
    public async Task Sigterm_mid_index_commits_the_finished_videos_and_exits_1()
    {
        if (OperatingSystem.IsWindows()) return; // no SIGTERM to send
        // 48 videos (the corpus three times over, under new names) so the signal lands well before the end.
        string folder = Path.Combine(fixture.Directory, $"many-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var copy in Enumerable.Range(0, 3))
            foreach (var video in fixture.Corpus.Videos)
                File.Copy(video.Path, Path.Combine(folder, $"c{copy}-{Path.GetFileName(video.Path)}"));
        int total = Directory.GetFiles(folder).Length;
        string index = Path.Combine(fixture.Directory, "index-" + Guid.NewGuid().ToString("N"));

        using var process = Cli.Dns.Start("index", "--features", "builtin", folder, "--index", index);
        var errors = process.StandardError.ReadToEndAsync();
        var reported = new List<string>();
        while (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(5)) is { } line)
        {
            if (Progress().Match(line) is not { Success: true } m) continue;
            reported.Add(m.Groups["id"].Value);
            if (reported.Count == 3) break;
        }
        reported.Should().HaveCount(3, "the tool reports each finished video");
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
        string rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync().WaitAsync(Cli.HangGuard);
        string error = await errors;

        process.ExitCode.Should().Be(1, $"a canceled run exits 1\n{error}");
        error.Should().Contain("SIGTERM").And.Contain("canceled");
        reported.AddRange(Progress().Matches(rest).Select(m => m.Groups["id"].Value));
        reported.Count.Should().BeLessThan(total, "the signal stopped the run before the end");

        var info = await Cli.Dns.RunAsync("info", "--index", index, "--json");
        info.ExitCode.Should().Be(0, info.Error);
        int committed = JsonDocument.Parse(info.Output).RootElement.GetProperty("report").GetProperty("Videos").GetInt32();
        committed.Should().BeGreaterThanOrEqualTo(reported.Count, "every video reported finished was committed");
        committed.Should().BeLessThan(total);
        foreach (var id in reported.Take(3))
        {
            var search = await Cli.Dns.RunAsync("search", id, "--index", index, "--top", "1", "--json");
            search.ExitCode.Should().Be(0, $"{id} was finished before the signal, so it is in the index: {search.Error}");
        }
    }

    [GeneratedRegex(@"^\[(?<done>\d+)/(?<total>\d+)\] (?<id>\S+)", RegexOptions.Multiline)]
    private static partial Regex Progress();
}
