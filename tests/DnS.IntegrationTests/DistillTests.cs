using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>Distillation through the real CLI: train from an index's videos, resume, use the models, train a teacher.</summary>
public sealed class DistillTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private string NewFolder(string kind) => Path.Combine(fixture.Directory, $"{kind}-{Guid.NewGuid():N}");

    [Fact]
    public async Task Distill_from_an_index_writes_models_that_index_and_search_use_and_a_rerun_resumes()
    {
        string index = NewFolder("index"), models = NewFolder("models");
        (await Cli.RunAsync("index", fixture.Corpus.Directory, "--index", index)).ExitCode.Should().Be(0);

        var (code, output, error) = await Cli.RunAsync("distill", "--index", index, "--output", models, "--epochs", "1", "--anchors", "0.5");
        code.Should().Be(0, error);
        output.Should().Contain($"on {fixture.Corpus.Videos.Count} videos, {fixture.Corpus.Videos.Count / 2} anchors");
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(models, "distill-report.json"))).RootElement;
        report.GetProperty("fine").GetProperty("errorAfter").GetDouble().Should().BeLessThan(report.GetProperty("fine").GetProperty("errorBefore").GetDouble(),
            "one epoch already brings the fine student closer to the teacher");
        var weights = Directory.GetFiles(models, "*.safetensors").Order().ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        weights.Keys.Should().BeEquivalentTo("dns_cg_student.safetensors", "dns_fg_att_student.safetensors", "dns_selector_cg-fg_att.safetensors");

        // A rerun finds the features, teacher scores and finished checkpoints in work/ and trains nothing again.
        (code, output, error) = await Cli.RunAsync("distill", "--index", index, "--output", models, "--epochs", "1", "--anchors", "0.5");
        code.Should().Be(0, error);
        output.Should().Contain($"0 extracted, {fixture.Corpus.Videos.Count} already there").And.NotContain("Mining");
        foreach (var (name, bytes) in weights) File.ReadAllBytes(Path.Combine(models, name)).Should().Equal(bytes, $"{name} is restored from its checkpoint");

        string trained = NewFolder("index");
        (code, _, error) = await Cli.RunAsync("index", fixture.Corpus.Directory, "--index", trained, "--models", models);
        code.Should().Be(0, error);
        var query = fixture.Corpus.Queries.First();
        (code, output, error) = await Cli.RunAsync("search", query.Id, "--index", trained, "--models", models, "--policy", "dns:0.5", "--top", "100", "--json");
        code.Should().Be(0, error);
        var result = JsonDocument.Parse(output).RootElement;
        result.GetProperty("hits").GetArrayLength().Should().Be(fixture.Corpus.Videos.Count - 1);
        result.GetProperty("statistics").GetProperty("SelectorPairs").GetInt32().Should().Be(fixture.Corpus.Videos.Count, "the trained selector scores every coarse pair");
    }

    [Fact]
    public async Task A_self_supervised_teacher_trains_and_joins_a_whitened_multi_teacher_distillation()
    {
        string teacher = Path.Combine(NewFolder("teacher"), "teacher.safetensors");
        var (code, output, error) = await Cli.RunAsync("train", "teacher", fixture.Corpus.Directory, "--output", teacher, "--steps", "3", "--views", "2", "--batch", "4");
        code.Should().Be(0, error);
        output.Should().Contain($"{fixture.Corpus.Videos.Count * 2} views stored");
        File.Exists(teacher).Should().BeTrue();

        string models = NewFolder("models");
        (code, output, error) = await Cli.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teachers", $"chamfer,visil:{teacher}", "--whiten",
            "--fine", "binary", "--epochs", "1", "--anchors", "0.3");
        code.Should().Be(0, error);
        output.Should().Contain("distilled from chamfer, visil(teacher)");
        File.Exists(Path.Combine(models, "dns_fg_bin_student.safetensors")).Should().BeTrue();

        (await Cli.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teachers", "chamfer")).ExitCode.Should().Be(2, "several teachers need --whiten");
        (code, _, error) = await Cli.RunAsync("distill", fixture.Corpus.Directory, "--output", models, "--teacher", "visil:/no/such/file.safetensors");
        code.Should().Be(2);
        error.Should().Contain("no such file");
    }
}
