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
    public async Task Dns_eval_reports_the_cascade_recall_of_another_run()
    {
        var (code, output, error) = await Cli.Dns.RunAsync("eval", "--results", Fivr("run_hard.json"), "--annotations", Fivr("annotation.json"),
            "--recall-of", Fivr("run_easy.json"), "--recall-top", "3", "--recall-at", "3,20", "--json");

        code.Should().Be(0, error);
        var recall = JsonDocument.Parse(output).RootElement.GetProperty("CascadeRecall");
        recall.GetProperty("top").GetInt32().Should().Be(3);
        // Oracle: each query's top 3 of run_easy, counted inside run_hard's top K (both without the query, ties by file order).
        var easy = JsonDocument.Parse(File.ReadAllBytes(Fivr("run_easy.json"))).RootElement;
        var hard = JsonDocument.Parse(File.ReadAllBytes(Fivr("run_hard.json"))).RootElement;
        foreach (int k in new[] { 3, 20 })
        {
            var perQuery = new List<double>();
            foreach (var query in easy.EnumerateObject())
            {
                if (!hard.TryGetProperty(query.Name, out var shortlist)) continue;
                var wanted = Top(query.Value, query.Name, 3);
                if (wanted.Count == 0) continue;
                var kept = Top(shortlist, query.Name, k);
                perQuery.Add(wanted.Count(kept.Contains) / (double)wanted.Count);
            }
            recall.GetProperty("queries").GetInt32().Should().Be(perQuery.Count);
            recall.GetProperty("at").GetProperty(k.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetDouble().Should().BeApproximately(perQuery.Average(), 1e-12);
        }

        static List<string> Top(JsonElement scores, string query, int n) =>
            [.. scores.EnumerateObject().Where(e => e.Name != query).Select((e, i) => (e.Name, Score: e.Value.GetDouble(), i))
                .OrderByDescending(e => e.Score).ThenBy(e => e.i).Take(n).Select(e => e.Name)];
    }

    [Fact]
    public async Task A_malformed_recall_list_is_a_usage_error()
    {
        var (code, _, error) = await Cli.Dns.RunAsync("eval", "--results", Fivr("run_easy.json"), "--annotations", Fivr("annotation.json"),
            "--recall-of", Fivr("run_hard.json"), "--recall-at", "10,x");
        code.Should().Be(2);
        error.Should().Contain("--recall-at");
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
