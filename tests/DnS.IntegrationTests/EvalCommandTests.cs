using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

public sealed class EvalCommandTests
{
    private static string Fivr(string file) => Path.Combine(Cli.SharedRoot, "fivr", file);

    [Theory]
    [InlineData("run_easy.json")]
    [InlineData("run_hard.json")]
    [InlineData("run_ties.json")]
    public async Task Dns_eval_equals_the_official_numbers(string run)
    {
        var (code, output, error) = await Cli.Dns.RunAsync("eval", "--results", Fivr(run), "--annotations", Fivr("annotation.json"),
            "--dataset", Fivr("subset_ids.txt"), "--json");

        code.Should().Be(0, error);
        var actual = JsonDocument.Parse(output).RootElement;
        var expected = JsonDocument.Parse(File.ReadAllBytes(Fivr("expected.json"))).RootElement.GetProperty("runs").GetProperty(run).GetProperty("tasks");
        foreach (var task in new[] { "DSVR", "CSVR", "ISVR" })
        {
            actual.GetProperty(task).GetProperty("mAP").GetDouble().Should().BeApproximately(expected.GetProperty(task).GetProperty("mAP").GetDouble(), 1e-6);
            actual.GetProperty(task).GetProperty("queries").GetInt32().Should().Be(expected.GetProperty(task).GetProperty("num_queries_evaluated").GetInt32());
        }
    }

    [Fact]
    public async Task Missing_arguments_are_a_usage_error()
    {
        var (code, _, error) = await Cli.Dns.RunAsync("eval", "--results", Fivr("run_easy.json"));
        code.Should().Be(2);
        error.Should().Contain("--annotations");
    }

    [Fact]
    public async Task Unreadable_results_fail_with_a_clear_message()
    {
        string bad = Path.Combine(Path.GetTempPath(), $"dns-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(bad, "[1, 2]");
        try
        {
            var (code, _, error) = await Cli.Dns.RunAsync("eval", "--results", bad, "--annotations", Fivr("annotation.json"));
            code.Should().Be(1);
            error.Should().Contain(bad).And.Contain("results must be a JSON object");
        }
        finally
        {
            File.Delete(bad);
        }
    }
}
