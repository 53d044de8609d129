using System.Text.Json;
using DnS.Core.Evaluation;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Evaluation;

/// <summary>Parity with the official FIVR-200K evaluation.py on ../shared/fivr (expected.json holds its outputs).</summary>
public sealed class FivrEvaluatorTests
{
    private static readonly Lazy<FivrAnnotations> Annotations = new(() => FivrAnnotations.LoadAsync(Fivr("annotation.json")).GetAwaiter().GetResult());
    private static readonly Lazy<HashSet<string>> Dataset = new(() => new HashSet<string>(File.ReadAllLines(Fivr("subset_ids.txt")).Select(l => l.Trim()).Where(l => l.Length > 0), StringComparer.Ordinal));
    private static readonly Lazy<JsonElement> Expected = new(() => JsonDocument.Parse(File.ReadAllBytes(Fivr("expected.json"))).RootElement);

    private static string Fivr(string file) => Path.Combine(SharedData.Root, "fivr", file);

    public static TheoryData<string, FivrTask> Runs()
    {
        var data = new TheoryData<string, FivrTask>();
        foreach (var run in new[] { "run_easy.json", "run_hard.json", "run_ties.json" })
            foreach (var task in Enum.GetValues<FivrTask>()) data.Add(run, task);
        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task MAP_and_every_query_AP_equal_the_official_values_bit_for_bit(string run, FivrTask task)
    {
        var results = await SimilarityResults.LoadAsync(Fivr(run));
        var expected = Expected.Value.GetProperty("runs").GetProperty(run).GetProperty("tasks").GetProperty(task.ToString());

        var evaluation = FivrEvaluator.Evaluate(Annotations.Value, results, task, Dataset.Value);

        evaluation.MeanAveragePrecision.Should().Be(expected.GetProperty("mAP").GetDouble());
        evaluation.PerQuery.Should().HaveCount(expected.GetProperty("num_queries_evaluated").GetInt32());
        var perQuery = expected.GetProperty("per_query").EnumerateArray().ToList();
        for (int i = 0; i < perQuery.Count; i++)
        {
            var q = evaluation.PerQuery[i];
            q.Query.Should().Be(perQuery[i].GetProperty("query").GetString());
            q.AveragePrecision.Should().Be(perQuery[i].GetProperty("ap").GetDouble(), "AP of {0}", q.Query);
            q.Relevant.Should().Be(perQuery[i].GetProperty("n_relevant").GetInt32());
            q.RelevantRanked.Should().Be(perQuery[i].GetProperty("n_relevant_ranked").GetInt32());
            q.Ranked.Should().Be(perQuery[i].GetProperty("n_ranked").GetInt32());
        }
        var skipped = expected.GetProperty("skipped_queries");
        evaluation.MissingFromResults.Should().Equal(skipped.GetProperty("missing_from_results").EnumerateArray().Select(e => e.GetString()));
        evaluation.NotInDataset.Should().BeEmpty();
        evaluation.EmptyRelevantSet.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Reduced_dataset_skips_queries_outside_it_and_with_empty_relevant_sets(string run, FivrTask task)
    {
        var scenario = Expected.Value.GetProperty("scenario_reduced_dataset");
        var removed = scenario.GetProperty("removed_ids").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        var dataset = Dataset.Value.Where(id => !removed.Contains(id)).ToHashSet(StringComparer.Ordinal);
        dataset.Should().HaveCount(scenario.GetProperty("dataset_size").GetInt32());
        var expected = scenario.GetProperty("runs").GetProperty(run).GetProperty("tasks").GetProperty(task.ToString());

        var evaluation = FivrEvaluator.Evaluate(Annotations.Value, await SimilarityResults.LoadAsync(Fivr(run)), task, dataset);

        evaluation.MeanAveragePrecision.Should().Be(expected.GetProperty("mAP").GetDouble());
        evaluation.PerQuery.Select(q => (q.Query, q.AveragePrecision)).Should().Equal(
            expected.GetProperty("per_query_ap").EnumerateArray().Select(e => (e[0].GetString()!, e[1].GetDouble())));
        evaluation.NotInDataset.Should().Equal(scenario.GetProperty("query_not_in_dataset").GetString());
        if (task == FivrTask.DSVR) evaluation.EmptyRelevantSet.Should().Equal(scenario.GetProperty("query_with_empty_DSVR_set").GetString());
        else evaluation.EmptyRelevantSet.Should().BeEmpty();
    }

    [Fact]
    public void Numpy_pairwise_mean_differs_from_a_naive_sum_where_numpy_does()
    {
        // Values whose left-to-right sum rounds differently from numpy's 8-way pairwise sum.
        var values = Enumerable.Range(1, 300).Select(i => 1.0 / i + 1e-3 * Math.Sin(i)).ToArray();
        double naive = 0;
        foreach (var v in values) naive += v;
        double pairwise = NumpyMean.PairwiseSum(values);
        pairwise.Should().BeApproximately(naive, 1e-12);
        NumpyMean.Mean([]).Should().Be(double.NaN);
        NumpyMean.Mean([1.0, 2.0, 4.0]).Should().Be(7.0 / 3);
    }

    [Fact]
    public async Task Saved_results_round_trip_in_file_order()
    {
        var results = new SimilarityResults();
        results.Add("q", [("b", 0.5), ("a", 0.5), ("c", 1.0)]);
        results.Add("empty", []);
        string path = Path.Combine(Path.GetTempPath(), $"dns-results-{Guid.NewGuid():N}.json");
        try
        {
            await results.SaveAsync(path);
            var loaded = await SimilarityResults.LoadAsync(path);
            loaded.Queries.Should().Equal("q", "empty");
            loaded["q"]!.Should().Equal(("b", 0.5), ("a", 0.5), ("c", 1.0));
            loaded["empty"]!.Should().BeEmpty();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
