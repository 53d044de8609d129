using System.Text.Json;
using DnS.Core.Evaluation;
using DnS.Core.Library;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>The product flow through the real CLI: index a folder of generated videos, search, similarity, eval.</summary>
public sealed class IndexAndSearchTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private string NewIndex() => Path.Combine(fixture.Directory, "index-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Copies_rank_first(bool binary)
    {
        string index = NewIndex();
        var (code, output, error) = await Cli.Dns.RunAsync(["index", "--features", "builtin", fixture.Corpus.Directory, "--index", index, .. binary ? new[] { "--binary" } : []]);
        code.Should().Be(0, error);
        output.Should().Contain($"indexed {fixture.Corpus.Videos.Count} of {fixture.Corpus.Videos.Count} videos");

        foreach (var query in fixture.Corpus.Queries)
        {
            (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--top", "100", "--policy", "fine", "--json");
            code.Should().Be(0, error);
            var hits = JsonDocument.Parse(output).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()!).ToList();
            var copies = fixture.Corpus.Videos.Where(v => v.Source == query.Id && !v.IsQuery).Select(v => v.Id).ToList();
            hits.Should().NotContain(query.Id);
            // The three best hits are copies, and the copies as a whole rank high (AP over the whole ranking); the
            // built-in descriptor's weak spots are strong down-scaling and GIF conversion of fine textures.
            hits.Take(3).Should().BeSubsetOf(copies, string.Join(", ", hits));
            double found = 0, precision = 0;
            for (int rank = 0; rank < hits.Count; rank++)
                if (copies.Contains(hits[rank])) precision += ++found / (rank + 1);
            (precision / copies.Count).Should().BeGreaterThan(0.75, $"copies of {query.Id} should rank first: {string.Join(", ", hits)}");
        }
    }

    [Fact]
    public async Task A_query_given_as_a_file_searches_like_its_indexed_id()
    {
        string index = NewIndex();
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);
        var query = fixture.Corpus.Queries.First();
        var byId = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--policy", "topk:5", "--json");
        var byFile = await Cli.Dns.RunAsync("search", query.Path, "--index", index, "--policy", "topk:5", "--json");
        byFile.ExitCode.Should().Be(0, byFile.Error);
        string Hits(string json) => JsonDocument.Parse(json).RootElement.GetProperty("hits").ToString();
        Hits(byFile.Output).Should().Be(Hits(byId.Output));

        // Stored embeddings come from the index's networks: other networks cannot search it.
        var other = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--models", fixture.Directory);
        other.ExitCode.Should().Be(2);
        other.Error.Should().Contain("needs an index built with it");
    }

    [Fact]
    public async Task Similarity_writes_fivr_results_that_eval_scores()
    {
        string index = NewIndex();
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);
        string queries = Path.Combine(fixture.Directory, $"queries-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(queries, fixture.Corpus.Queries.Select(q => q.Id));
        string results = Path.Combine(fixture.Directory, $"results-{Guid.NewGuid():N}.json");

        var (code, _, error) = await Cli.Dns.RunAsync("similarity", "--index", index, "--queries", queries, "--policy", "topk:10", "--output", results);
        code.Should().Be(0, error);
        var loaded = await SimilarityResults.LoadAsync(results);
        loaded.Queries.Should().BeEquivalentTo(fixture.Corpus.Queries.Select(q => q.Id));
        loaded[loaded.Queries[0]]!.Should().HaveCount(fixture.Corpus.Videos.Count, "every database video is scored");

        (code, var output, error) = await Cli.Dns.RunAsync("eval", "--results", results, "--annotations", fixture.Corpus.AnnotationPath, "--json");
        code.Should().Be(0, error);
        JsonDocument.Parse(output).RootElement.GetProperty("DSVR").GetProperty("mAP").GetDouble().Should().BeGreaterThan(0.8);
    }

    [Fact]
    public async Task Similarity_batched_equals_one_by_one_and_quantized_coarse_codes_keep_the_float_results()
    {
        // Default (int8 codes + floats), float only, and int8 only, from the same decoded videos.
        var indexes = new Dictionary<string, string>();
        foreach (string coarse in new[] { "default", "float", "int8" })
        {
            indexes[coarse] = NewIndex();
            string[] option = coarse == "default" ? [] : ["--coarse", coarse];
            var (code, _, error) = await Cli.Dns.RunAsync(["index", "--features", "builtin", fixture.Corpus.Directory, "--index", indexes[coarse], .. option]);
            code.Should().Be(0, error);
        }
        var bad = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", NewIndex(), "--coarse", "fp4");
        bad.ExitCode.Should().Be(2);
        (bad.Output + bad.Error).Should().Contain("--coarse must be int8, float or both");
        var other = await Cli.Dns.RunAsync("index", fixture.Corpus.Directory, "--index", indexes["float"], "--coarse", "int8");
        other.ExitCode.Should().Be(2);
        other.Error.Should().Contain("keeps its coarse vectors as Float");

        string queries = Path.Combine(fixture.Directory, $"queries-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(queries, fixture.Corpus.Queries.Select(q => q.Id));
        async Task<SimilarityResults> Similarity(string index, params string[] extra)
        {
            string results = Path.Combine(fixture.Directory, $"results-{Guid.NewGuid():N}.json");
            var (code, _, error) = await Cli.Dns.RunAsync(["similarity", "--index", index, "--queries", queries, "--policy", "topk:5", "--output", results, .. extra]);
            code.Should().Be(0, error);
            return await SimilarityResults.LoadAsync(results);
        }
        static Dictionary<string, (string, int)[]> Scores(SimilarityResults results) => results.Queries.ToDictionary(
            q => q, q => results[q]!.Select(e => (e.Id, BitConverter.SingleToInt32Bits((float)e.Score))).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray());

        var batched = Scores(await Similarity(indexes["default"]));
        Scores(await Similarity(indexes["default"], "--one-by-one")).Should().BeEquivalentTo(batched, o => o.WithStrictOrdering(), "one scan per batch gives the per-query scores bit for bit");
        var floats = await Similarity(indexes["float"]);
        Scores(floats).Should().BeEquivalentTo(batched, o => o.WithStrictOrdering(), "every video of a small library is a re-scored candidate");

        var map = new Dictionary<string, double>();
        foreach (var (name, results) in new[] { ("float", floats), ("int8", await Similarity(indexes["int8"])) })
        {
            string path = Path.Combine(fixture.Directory, $"results-{Guid.NewGuid():N}.json");
            await results.SaveAsync(path);
            var (code, output, error) = await Cli.Dns.RunAsync("eval", "--results", path, "--annotations", fixture.Corpus.AnnotationPath, "--json");
            code.Should().Be(0, error);
            map[name] = JsonDocument.Parse(output).RootElement.GetProperty("DSVR").GetProperty("mAP").GetDouble();
        }
        map["int8"].Should().BeApproximately(map["float"], 0.02, "int8 coarse estimates barely move the ranking");
    }

    [Fact]
    public async Task A_corrupt_file_among_good_ones_is_reported_and_the_rest_indexed()
    {
        string folder = Path.Combine(fixture.Directory, $"mixed-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var good = fixture.Corpus.Videos.Take(3).ToList();
        foreach (var v in good) File.Copy(v.Path, Path.Combine(folder, Path.GetFileName(v.Path)));
        byte[] original = await File.ReadAllBytesAsync(good[0].Path);
        await File.WriteAllBytesAsync(Path.Combine(folder, "broken.mp4"), original[..(original.Length / 3)].Select((b, i) => i > 64 ? (byte)(b ^ 0x5A) : b).ToArray());
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.mp4"), "this is not a video");
        string index = NewIndex();

        var (code, output, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", folder, "--index", index);

        code.Should().Be(3, "some files failed");
        output.Should().Contain("indexed 3 of 5 videos");
        error.Should().Contain("broken.mp4").And.Contain("notes.mp4");
        var info = await Cli.Dns.RunAsync("info", "--index", index, "--json");
        JsonDocument.Parse(info.Output).RootElement.GetProperty("report").GetProperty("Videos").GetInt32().Should().Be(3);

        // Only what was indexed is recorded as a source (distillation re-extracts features from these files).
        await using var library = await VideoLibrary.OpenAsync(index);
        library.Sources.ToDictionary(s => s.Key, s => s.Value.Path).Should().BeEquivalentTo(good.ToDictionary(v => v.Id, v => Path.Combine(folder, Path.GetFileName(v.Path))));
    }

    [Fact]
    public async Task Usage_errors_exit_2_and_id_collisions_are_named()
    {
        (await Cli.Dns.RunAsync("index", "--index", NewIndex())).ExitCode.Should().Be(2);
        (await Cli.Dns.RunAsync("search", "x", "--index", NewIndex(), "--policy", "sometimes")).ExitCode.Should().NotBe(0);

        string folder = Path.Combine(fixture.Directory, $"collide-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "a"));
        Directory.CreateDirectory(Path.Combine(folder, "b"));
        var video = fixture.Corpus.Videos[0];
        File.Copy(video.Path, Path.Combine(folder, "a", "same.mp4"));
        File.Copy(video.Path, Path.Combine(folder, "b", "same.webm"));
        var (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", folder, "--index", NewIndex());
        code.Should().Be(2);
        error.Should().Contain("id collision").And.Contain("same");
    }
}
