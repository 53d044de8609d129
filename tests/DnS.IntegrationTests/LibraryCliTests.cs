using System.Text.Json;
using System.Text.Json.Nodes;
using DnS.Core.Evaluation;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>The tools over the library front door: reruns skip, --reindex, old indexes with sidecar files, bad queries in similarity.</summary>
public sealed class LibraryCliTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private string NewFolder(string kind) => Path.Combine(fixture.Directory, $"{kind}-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_rerun_skips_what_is_indexed_and_reindex_extracts_everything_again()
    {
        string index = NewFolder("index");
        int count = fixture.Corpus.Videos.Count;
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);

        var (code, output, error) = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", index);
        code.Should().Be(0, error);
        output.Should().Contain($"indexed 0 of {count} videos, {count} unchanged since the last run (0 frames)");

        (code, output, error) = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", index, "--reindex");
        code.Should().Be(0, error);
        output.Should().Contain($"indexed {count} of {count} videos, 0 unchanged");

        // Options that contradict how the index was built are refused, naming both.
        (code, _, error) = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", index, "--binary");
        code.Should().Be(2);
        error.Should().Contain("was built with models built-in,").And.Contain("built-in (binary)");
    }

    [Fact]
    public async Task An_index_written_with_sidecar_files_by_an_older_dns_still_searches_and_moves_them_into_the_index()
    {
        // What an older dns left: a version 1 manifest, dns-index.json and dns-sources.json as it serialized them.
        string index = NewFolder("old");
        var videos = fixture.Corpus.Videos.Select(v => new VideoSource(v.Id, v.Path)).ToList();
        using (var extractor = new BuiltInFeatureExtractor())
        {
            var models = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions);
            await using var store = await FileVideoStore.CreateOrOpenAsync(index, VideoRecordFactory.SchemaOf(models));
            await new VideoIndexer(extractor, models, store).IndexAsync(videos[..^1]);
        }
        string manifest = Path.Combine(index, "manifest.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(manifest))!.AsObject();
        json["version"] = 1;
        json.Remove("metadata");
        await File.WriteAllTextAsync(manifest, json.ToJsonString());
        var indented = new JsonSerializerOptions { WriteIndented = true };
        await File.WriteAllTextAsync(Path.Combine(index, "dns-index.json"),
            JsonSerializer.Serialize(new { models = (string?)null, backbone = (string?)null, pca = (string?)null, binary = false }, indented));
        await File.WriteAllTextAsync(Path.Combine(index, "dns-sources.json"), JsonSerializer.Serialize(videos[..^1].ToDictionary(v => v.Id, v => v.Path), indented));

        var query = fixture.Corpus.Queries.First();
        var (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--policy", "fine", "--top", "3", "--json");
        code.Should().Be(0, error);
        var copies = fixture.Corpus.Videos.Where(v => v.Source == query.Id && !v.IsQuery).Select(v => v.Id).ToList();
        JsonDocument.Parse(output).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()).Should().BeSubsetOf(copies);

        (code, output, error) = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", index);
        code.Should().Be(0, error);
        output.Should().Contain($"indexed 1 of {videos.Count} videos, {videos.Count - 1} unchanged");
        File.Exists(Path.Combine(index, "dns-index.json")).Should().BeFalse("the profile is in the index metadata now");
        File.Exists(Path.Combine(index, "dns-sources.json")).Should().BeFalse();
        await using (var library = await VideoLibrary.OpenAsync(index))
        {
            library.Sources.Keys.Should().BeEquivalentTo(videos.Select(v => v.Id));
            library.Schema.RegionMeans.Should().BeFalse("an index made before region means keeps its format");
            library.DefaultPolicy.Should().Be(SelectorPolicy.TopK(100));
        }

        // --region-means adds them without extracting anything; the default policy becomes the region-pick one.
        (code, output, error) = await Cli.Dns.RunAsync("index", "--index", index, "--region-means");
        code.Should().Be(0, error);
        output.Should().Contain($"added region means to the {videos.Count} videos").And.Contain("topk:60+regions:10");
        await using (var upgraded = await VideoLibrary.OpenAsync(index))
        {
            upgraded.Schema.RegionMeans.Should().BeTrue();
            upgraded.Sources.Keys.Should().BeEquivalentTo(videos.Select(v => v.Id));
            upgraded.Search(query.Id).Policy.ToString().Should().Be("topk:60+regions:10");
        }
        (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--top", "3", "--json");
        code.Should().Be(0, error);
        JsonDocument.Parse(output).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()).Should().BeSubsetOf(copies);

        string missing = NewFolder("missing");
        (code, _, error) = await Cli.Dns.RunAsync("index", "--index", missing, "--region-means");
        code.Should().Be(2);
        error.Should().Contain(missing).And.Contain("holds no index");
    }

    [Fact]
    public async Task Similarity_reports_bad_queries_and_answers_the_others()
    {
        string index = NewFolder("index");
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);
        string broken = Path.Combine(fixture.Directory, $"broken-{Guid.NewGuid():N}.mp4");
        await File.WriteAllTextAsync(broken, "not a video");
        string queries = Path.Combine(fixture.Directory, $"queries-{Guid.NewGuid():N}.txt");
        var good = fixture.Corpus.Queries.Select(q => q.Id).ToList();
        await File.WriteAllLinesAsync(queries, [good[0], "no-such-video", broken, .. good[1..]]);
        string results = Path.Combine(fixture.Directory, $"results-{Guid.NewGuid():N}.json");

        var (code, output, error) = await Cli.Dns.RunAsync("similarity", "--index", index, "--queries", queries, "--output", results);

        code.Should().Be(3, "some queries failed");
        error.Should().Contain("no-such-video").And.Contain(Path.GetFileName(broken));
        output.Should().Contain($"{good.Count} queries").And.Contain("2 queries failed");
        (await SimilarityResults.LoadAsync(results)).Queries.Should().BeEquivalentTo(good);
    }
}
