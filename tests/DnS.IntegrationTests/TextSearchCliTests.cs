using System.Text.Json;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Samples.Corpus;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.IntegrationTests;

/// <summary>A captioned corpus made by ffmpeg, indexed once by <c>dns index --text-model ../shared/golden-text</c>.</summary>
public sealed class CaptionedIndexFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dns-captioned-").FullName;

    public CaptionedCorpus Corpus { get; private set; } = null!;

    public string Index => Path.Combine(Directory, "index");

    public static string Model => Path.Combine(Cli.SharedRoot, "golden-text");

    public (int ExitCode, string Output, string Error) IndexRun { get; private set; }

    public async Task InitializeAsync()
    {
        Corpus = await CaptionedCorpus.GenerateAsync(Path.Combine(Directory, "videos"), seconds: 2);
        IndexRun = await Cli.Dns.RunAsync("index", "--features", "builtin", Corpus.Directory, "--index", Index, "--text-model", Model);
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// <c>dns index --text-model</c>, <c>dns search --text</c> and <c>dns eval --captions</c> as real processes on real
/// video files; what they print is checked against the library run in this process (itself checked against a
/// brute-force oracle in DnS.Core.Tests' TextIndexTests).
/// </summary>
public sealed class TextSearchCliTests(CaptionedIndexFixture fixture, ITestOutputHelper output) : IClassFixture<CaptionedIndexFixture>
{
    [Fact]
    public async Task Text_index_and_search_run_end_to_end_and_the_slow_stage_rescores_only_K_videos()
    {
        var (code, stdout, error) = fixture.IndexRun;
        code.Should().Be(0, error);
        int count = fixture.Corpus.Videos.Count;
        stdout.Should().Contain($"indexed {count} of {count} videos");

        (code, stdout, error) = await Cli.Dns.RunAsync("search", "--index", fixture.Index, "--text", "a red screen", "--policy", "topk:3", "--top", "10", "--json");
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(stdout);
        var statistics = json.RootElement.GetProperty("statistics");
        statistics.GetProperty("CoarsePairs").GetInt32().Should().Be(count);
        statistics.GetProperty("FinePairs").GetInt32().Should().Be(3);
        var hits = json.RootElement.GetProperty("hits").EnumerateArray()
            .Select(h => (Id: h.GetProperty("id").GetString()!, Stage: h.GetProperty("stage").GetString()!, Fast: h.GetProperty("coarse").GetSingle(),
                Slow: h.GetProperty("fine").ValueKind == JsonValueKind.Null ? float.NaN : h.GetProperty("fine").GetSingle())).ToList();
        hits.Should().HaveCount(count);
        hits.Take(3).Should().OnlyContain(h => h.Stage == "fine");
        hits.Skip(3).Should().OnlyContain(h => h.Stage == "coarse");
        // The three re-scored are the fast stage's best three, ordered by their slow scores; the rest follow by fast score.
        hits.Take(3).Select(h => h.Slow).Should().BeInDescendingOrder();
        hits.Skip(3).Select(h => h.Fast).Should().BeInDescendingOrder();
        hits.Take(3).Min(h => h.Fast).Should().BeGreaterThanOrEqualTo(hits.Skip(3).Max(h => h.Fast));

        await using var library = await VideoLibrary.OpenAsync(fixture.Index);
        var expected = library.SearchText("a red screen", SelectorPolicy.TopK(3), top: 10);
        hits.Select(h => h.Id).Should().Equal(expected.Hits.Select(h => h.Id));
        hits.Select(h => h.Fast).Should().Equal(expected.Hits.Select(h => h.CoarseScore));

        (code, stdout, error) = await Cli.Dns.RunAsync("search", "--index", fixture.Index, "--text", "a red screen", "--policy", "topk:3");
        code.Should().Be(0, error);
        stdout.Should().Contain($"policy topk:3: {count} fast pairs").And.Contain("3 slow pairs");

        (code, stdout, error) = await Cli.Dns.RunAsync("info", "--index", fixture.Index);
        code.Should().Be(0, error);
        stdout.Should().Contain("text side").And.Contain($"{count} videos");
    }

    [Fact]
    public async Task Dns_eval_captions_prints_the_recall_of_the_rankings_search_gives_for_fast_only_and_fast_plus_slow()
    {
        fixture.IndexRun.ExitCode.Should().Be(0, fixture.IndexRun.Error);
        var (code, stdout, error) = await Cli.Dns.RunAsync("eval", "--captions", fixture.Corpus.CaptionsPath, "--index", fixture.Index, "--policy", "topk:3", "--json");
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("policy").GetString()).Should().Equal("coarse", "topk:3");

        // The oracle: rank each caption's video in the full ranking of a plain search, caption by caption.
        await using var library = await VideoLibrary.OpenAsync(fixture.Index);
        var captions = fixture.Corpus.Captions.SelectMany(c => c.Value.Select(s => (Id: c.Key, Sentence: s))).ToList();
        foreach (var (row, policy) in rows.Zip(new[] { SelectorPolicy.CoarseOnly, SelectorPolicy.TopK(3) }))
        {
            var ranks = captions.Select(c => library.SearchText(c.Sentence, policy, top: library.Count).Hits.Select(h => h.Id).ToList().IndexOf(c.Id) + 1).ToList();
            row.GetProperty("ranks").EnumerateArray().Select(r => r.GetInt32()).Should().Equal(ranks);
            row.GetProperty("queries").GetInt32().Should().Be(captions.Count);
            foreach (int k in new[] { 1, 5, 10 })
                row.GetProperty($"r{k}").GetDouble().Should().Be(ranks.Count(r => r <= k) / (double)ranks.Count);
            var sorted = ranks.Order().ToList();
            row.GetProperty("medianRank").GetDouble().Should().Be((sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2.0);
            row.GetProperty("slowPairsPerQuery").GetDouble().Should().Be(policy.Kind == SelectionKind.TopK ? 3 : 0);
            output.WriteLine($"{policy}: R@1 {row.GetProperty("r1").GetDouble():F3} R@5 {row.GetProperty("r5").GetDouble():F3} " +
                             $"R@10 {row.GetProperty("r10").GetDouble():F3} median rank {row.GetProperty("medianRank").GetDouble()}");
        }

        (code, stdout, error) = await Cli.Dns.RunAsync("eval", "--captions", fixture.Corpus.CaptionsPath, "--index", fixture.Index);
        code.Should().Be(0, error);
        stdout.Should().Contain("fast+slow").And.Contain("topk:50").And.Contain("R@10").And.Contain($"{captions.Count} queries");
    }

    [Fact]
    public async Task Text_errors_are_one_line_naming_the_cause_with_documented_exit_codes()
    {
        string empty = Path.Combine(fixture.Directory, "not-a-model");
        System.IO.Directory.CreateDirectory(empty);
        var video = fixture.Corpus.Videos["red"];
        var cases = new (string[] Args, int Code, string Message)[]
        {
            (["index", "--features", "builtin", video, "--index", Path.Combine(fixture.Directory, "bad-model"), "--text-model", empty], 1, $"CLIP model file '{Path.Combine(empty, "config.json")}': does not exist"),
            (["search", "--index", fixture.Index, "--text", "red", "--policy", "dns:0.3"], 2, "needs the selector network"),
            (["search", "--index", fixture.Index, "--text", "red", video], 2, "either a query video"),
            (["search", "--index", fixture.Index], 2, "either a query video"),
            (["eval", "--captions", fixture.Corpus.CaptionsPath], 2, "--captions and --index go together"),
            (["eval", "--captions", video, "--index", fixture.Index], 1, $"{video}: not a JSON captions file"),
        };
        foreach (var (args, expectedCode, message) in cases)
        {
            var (code, _, error) = await Cli.Dns.RunAsync(args);
            code.Should().Be(expectedCode, string.Join(' ', args) + ": " + error);
            error.Should().Contain(message).And.NotContain("   at ");
        }

        // An index without a text side says how to add one.
        string plain = Path.Combine(fixture.Directory, "plain");
        (await Cli.Dns.RunAsync("index", "--features", "builtin", video, "--index", plain)).ExitCode.Should().Be(0);
        var (exit, _, stderr) = await Cli.Dns.RunAsync("search", "--index", plain, "--text", "red");
        exit.Should().Be(1);
        stderr.Should().Contain("has no text side").And.Contain("--text-model");
    }
}
