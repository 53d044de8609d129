using System.Text.Json;
using DnS.Core.Library;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>
/// <c>dns index --insets</c>, <c>dns info</c> and <c>dns search</c> with the inset stage as real processes on ffmpeg
/// overlay clips: a test pattern shrunk into a corner of moving footage is found by the default policy of an index with an
/// inset side, as the library run in this process finds it (DnS.Core.Tests' InsetSideTests checks the library against the
/// in-memory stage over float features).
/// </summary>
public sealed class InsetCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dns-inset-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_index_with_insets_finds_the_inset_copy_by_default_and_explains_what_it_cannot_do()
    {
        string videos = Path.Combine(_root, "videos"), query = Path.Combine(_root, "query.mp4"), index = Path.Combine(_root, "index");
        Directory.CreateDirectory(videos);
        string Clip(string name) => Path.Combine(videos, name + ".mp4");
        string[] encode = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"];
        Cli.Ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x180:r=5,trim=duration=3", .. encode, query]);
        Cli.Ffmpeg(["-f", "lavfi", "-i", "cellauto=s=320x180:r=5:rule=30:random_seed=1,trim=duration=3", .. encode, Clip("background")]);
        Cli.Ffmpeg(["-f", "lavfi", "-i", "sierpinski=s=320x180:r=5:seed=2,trim=duration=3", .. encode, Clip("other")]);
        Cli.Ffmpeg(["-i", Clip("background"), "-i", query, "-filter_complex", "[1:v]scale=iw/3:-2[i];[0:v][i]overlay=x=W-w-8:y=H-h-8:shortest=1", .. encode, Clip("inset")]);

        var (code, stdout, error) = await Cli.Dns.RunAsync("index", videos, "--features", "builtin", "--index", index, "--insets");
        code.Should().Be(0, error);
        stdout.Should().Contain("indexed 3 of 3 videos");
        (code, stdout, error) = await Cli.Dns.RunAsync("info", "--index", index);
        code.Should().Be(0, error);
        stdout.Should().Contain("inset side").And.Contain("3 videos, 9 frames");

        (code, stdout, error) = await Cli.Dns.RunAsync("search", query, "--index", index, "--json");
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(stdout);
        json.RootElement.GetProperty("policy").GetString().Should().Be("topk:60+regions:10+insets");
        json.RootElement.GetProperty("statistics").GetProperty("insetMs").GetDouble().Should().BePositive();
        var hits = json.RootElement.GetProperty("hits").EnumerateArray()
            .Select(h => (Id: h.GetProperty("id").GetString()!, Score: h.GetProperty("score").GetSingle(), Stage: h.GetProperty("stage").GetString()!)).ToList();
        hits[0].Should().Match<(string Id, float Score, string Stage)>(h => h.Id == "inset" && h.Stage == "inset");

        await using (var library = await VideoLibrary.OpenAsync(index))
        {
            var expected = await library.SearchFileAsync(query, top: 10);
            hits.Select(h => (h.Id, h.Score)).Should().Equal(expected.Hits.Select(h => (h.Id, h.Score)));
        }

        (code, stdout, error) = await Cli.Dns.RunAsync("search", "inset", "--index", index, "--policy", "fine");
        code.Should().Be(0, error);
        stdout.Should().Contain("policy fine:").And.NotContain("inset stage");
        // The stage needs an inset side: a cluster has none, and neither has an index built without --insets.
        (code, _, error) = await Cli.Dns.RunAsync("search", query, "--cluster", "127.0.0.1:1", "--index", index, "--policy", "fine+insets");
        code.Should().Be(2, error);
        error.Should().Contain("no inset side");
        string plain = Path.Combine(_root, "plain");
        (code, _, error) = await Cli.Dns.RunAsync("index", Clip("other"), "--features", "builtin", "--index", plain);
        code.Should().Be(0, error);
        (code, _, error) = await Cli.Dns.RunAsync("search", query, "--index", plain, "--policy", "fine+insets");
        code.Should().Be(2, error);
        error.Should().StartWith("error: ").And.Contain("no inset side").And.Contain("--insets");
        // Given --insets, that index gets an inset side; its video is extracted for that side only.
        (code, stdout, error) = await Cli.Dns.RunAsync("index", Clip("other"), "--index", plain, "--insets");
        code.Should().Be(0, error);
        stdout.Should().Contain("indexed 1 of 1 videos").And.Contain("only the text or inset side was extracted");
        (code, stdout, error) = await Cli.Dns.RunAsync("search", query, "--index", plain);
        code.Should().Be(0, error);
        stdout.Should().Contain("policy topk:60+regions:10+insets:").And.Contain("inset stage");
    }
}
