using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>Distillation through the real dns-train tool: train from an index's videos, resume, use the models with dns, train a teacher.</summary>
public sealed class DistillTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private string NewFolder(string kind) => Path.Combine(fixture.Directory, $"{kind}-{Guid.NewGuid():N}");

    [Fact]
    public async Task Distill_from_an_index_writes_models_that_index_and_search_use_and_a_rerun_resumes()
    {
        string index = NewFolder("index"), models = NewFolder("models");
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);

        var (code, output, error) = await Cli.Train.RunAsync("distill", "--index", index, "--output", models, "--fine", "attention", "--epochs", "1", "--anchors", "0.5", "--held-out", "0");
        code.Should().Be(0, error);
        output.Should().Contain($"on {fixture.Corpus.Videos.Count} videos, {fixture.Corpus.Videos.Count / 2} anchors");
        // The index keeps the built-in features as they were extracted: distillation reads them, decoding no video again.
        output.Should().Contain($"features: the region features of {fixture.Corpus.Videos.Count} videos read from the index at {index}").And.NotContain("extracted,");
        Directory.Exists(Path.Combine(models, "work", "features")).Should().BeFalse();
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(models, "distill-report.json"))).RootElement;
        report.GetProperty("fine").GetProperty("errorAfter").GetDouble().Should().BeLessThan(report.GetProperty("fine").GetProperty("errorBefore").GetDouble(),
            "one epoch already brings the fine student closer to the teacher");
        var weights = Directory.GetFiles(models, "*.safetensors").Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        weights.Keys.Should().BeEquivalentTo("dns_cg_student.safetensors", "dns_fg_att_student.safetensors", "dns_selector_cg-fg_att.safetensors");

        // A rerun finds the features, teacher scores and finished checkpoints in work/ and trains nothing again.
        (code, output, error) = await Cli.Train.RunAsync("distill", "--index", index, "--output", models, "--fine", "attention", "--epochs", "1", "--anchors", "0.5", "--held-out", "0");
        code.Should().Be(0, error);
        output.Should().Contain("read from the index").And.NotContain("Mining");
        foreach (var (name, bytes) in weights) File.ReadAllBytes(Path.Combine(models, name)).Should().Equal(bytes, $"{name} is restored from its checkpoint");

        // Experts retrain single networks in place: re-distil the fine student from itself, then a new selector.
        (code, output, error) = await Cli.Train.RunAsync("train", "student", "--index", index, "--models", models, "--network", "fine", "--teacher", $"student:{models}", "--epochs", "1");
        code.Should().Be(0, error);
        output.Should().Contain("fine student from student(").And.Contain("dns-train train selector");
        File.ReadAllBytes(Path.Combine(models, "dns_fg_att_student.safetensors")).Should().NotEqual(weights["dns_fg_att_student.safetensors"]);
        (code, output, error) = await Cli.Train.RunAsync("train", "selector", "--index", index, "--models", models, "--epochs", "1", "--threshold", "0.1");
        code.Should().Be(0, error);
        output.Should().MatchRegex(@"selector: accuracy \d");
        File.ReadAllBytes(Path.Combine(models, "dns_selector_cg-fg_att.safetensors")).Should().NotEqual(weights["dns_selector_cg-fg_att.safetensors"]);
        (await Cli.Train.RunAsync("train", "student", "--index", index, "--models", models, "--network", "everything")).ExitCode.Should().Be(2);

        string trained = NewFolder("index");
        (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", trained, "--models", models);
        code.Should().Be(0, error);
        var query = fixture.Corpus.Queries.First();
        (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", trained, "--models", models, "--policy", "dns:0.5", "--top", "100", "--json");
        code.Should().Be(0, error);
        var result = JsonDocument.Parse(output).RootElement;
        result.GetProperty("hits").GetArrayLength().Should().Be(fixture.Corpus.Videos.Count - 1);
        result.GetProperty("statistics").GetProperty("SelectorPairs").GetInt32().Should().Be(fixture.Corpus.Videos.Count, "the trained selector scores every coarse pair");
    }

    [Fact]
    public async Task With_the_chamfer_teacher_the_default_folder_re_ranks_with_the_chamfer_itself()
    {
        string index = NewFolder("index"), models = NewFolder("models"), trained = NewFolder("index");
        (await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);
        var (code, output, error) = await Cli.Train.RunAsync("distill", "--index", index, "--output", models, "--epochs", "1", "--anchors", "0.5", "--held-out", "0");
        code.Should().Be(0, error);
        output.Should().Contain("fine stage:     the region chamfer, no student");
        Directory.GetFiles(models, "*.safetensors").Select(Path.GetFileName).Should()
            .BeEquivalentTo("dns_cg_student.safetensors", "dns_fg_pf_student.safetensors", "dns_selector_cg-fg_pf.safetensors");

        // Independently: the folder's fine-only ranking is the built-in chamfer's (an index without models).
        (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Directory, "--index", trained, "--models", models);
        code.Should().Be(0, error);
        var query = fixture.Corpus.Queries.First();
        (string Id, double Fine)[] Hits(string json) =>
            [.. JsonDocument.Parse(json).RootElement.GetProperty("hits").EnumerateArray().Select(h => (h.GetProperty("id").GetString()!, h.GetProperty("fine").GetDouble()))];
        (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", trained, "--models", models, "--policy", "fine", "--top", "100", "--json");
        code.Should().Be(0, error);
        var (builtInCode, builtIn, builtInError) = await Cli.Dns.RunAsync("search", query.Id, "--index", index, "--policy", "fine", "--top", "100", "--json");
        builtInCode.Should().Be(0, builtInError);
        // The same chamfer similarity for every video, and a ranking by it. Not the same list: two copies of one clip can
        // score within a float step of each other, and the indexes' merge maps (s − b here, s/2 + 0.5 there) and ordinal
        // tie-breaks may order such a pair either way.
        var folderHits = Hits(output);
        var chamfer = Hits(builtIn).ToDictionary(h => h.Id, h => h.Fine);
        folderHits.Select(h => h.Id).Should().BeEquivalentTo(chamfer.Keys);
        folderHits.Should().OnlyContain(h => Math.Abs(h.Fine - chamfer[h.Id]) <= 1e-6);
        folderHits.Zip(folderHits.Skip(1)).Should().OnlyContain(p => p.First.Fine >= p.Second.Fine - 1e-6, "the folder ranks by the chamfer");
        (code, output, error) = await Cli.Dns.RunAsync("search", query.Id, "--index", trained, "--models", models, "--policy", "dns:0.5", "--json");
        code.Should().Be(0, error);
        JsonDocument.Parse(output).RootElement.GetProperty("statistics").GetProperty("SelectorPairs").GetInt32().Should().Be(fixture.Corpus.Videos.Count);
    }

    [Fact]
    public async Task A_self_supervised_teacher_trains_and_joins_a_whitened_multi_teacher_distillation()
    {
        string teacher = Path.Combine(NewFolder("teacher"), "teacher.safetensors");
        var (code, output, error) = await Cli.Train.RunAsync("train", "teacher", fixture.Corpus.Directory, "--output", teacher, "--steps", "3", "--views", "2", "--batch", "4");
        code.Should().Be(0, error);
        output.Should().Contain($"{fixture.Corpus.Videos.Count * 2} views stored");
        File.Exists(teacher).Should().BeTrue();
        // More steps later continue from the checkpoint beside the output instead of starting over.
        (code, output, error) = await Cli.Train.RunAsync("train", "teacher", fixture.Corpus.Directory, "--output", teacher, "--steps", "5", "--views", "2", "--batch", "4");
        code.Should().Be(0, error);
        output.Should().Contain("0 videos extracted now").And.Contain("resuming from").And.Contain("at step 3").And.Contain("trained to step 5");

        string models = NewFolder("models");
        (code, output, error) = await Cli.Train.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teachers", $"chamfer,visil:{teacher}", "--whiten",
            "--fine", "binary", "--epochs", "1", "--anchors", "0.3", "--held-out", "0");
        code.Should().Be(0, error);
        output.Should().Contain("distilled from chamfer, visil(teacher)");
        File.Exists(Path.Combine(models, "dns_fg_bin_student.safetensors")).Should().BeTrue();

        (await Cli.Train.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teachers", "chamfer")).ExitCode.Should().Be(2, "several teachers need --whiten");
        (code, _, error) = await Cli.Train.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teacher", "visil:/no/such/file.safetensors");
        code.Should().Be(2);
        error.Should().Contain("no such file");
    }

    [Theory]
    [InlineData("distill --index idx --output models --epochs 1 --whiten")]
    [InlineData("train student --index idx --models models --network fine")]
    public async Task Dns_refuses_the_training_commands_and_names_the_dns_train_tool(string commandLine)
    {
        // A user upgrading runs the old command line as it was: dns must say where it went, whatever options follow.
        string[] args = commandLine.Split(' ');
        var (code, output, error) = await Cli.Dns.RunAsync(args);
        code.Should().Be(2);
        error.Should().Contain($"'dns-train {args[0]} …'").And.Contain("dotnet tool install -g DnS.Cli.Training");
        output.Should().BeEmpty();
    }
}
