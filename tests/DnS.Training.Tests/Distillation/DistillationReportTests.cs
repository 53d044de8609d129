using System.Text.Json;
using DnS.Training.Distillation;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Distillation;

public sealed class DistillationReportTests
{
    [Fact]
    public void A_selector_without_label_one_pairs_still_gives_a_readable_report()
    {
        // A tiny corpus can give the selector no pair where the students disagree: its label-1 accuracy is NaN.
        var stage = new StageReport(12, 0.05f, 0.3, 0.1, TimeSpan.FromSeconds(2));
        var report = new DistillationReport(4, 2, new Dictionary<string, int> { ["positive"] = 3 }, ["chamfer"], stage, stage, stage,
            new SelectorEvaluation(0.6, 0.75, double.NaN, 0.75, 0, 8), TimeSpan.FromSeconds(9), 1 << 20, null, "/models");

        using var json = JsonDocument.Parse(report.ToJson());

        var accuracy = json.RootElement.GetProperty("selectorAccuracy");
        accuracy.GetProperty("positiveAccuracy").GetString().Should().Be("NaN");
        accuracy.GetProperty("negativeAccuracy").GetDouble().Should().Be(0.75);
        json.RootElement.GetProperty("videos").GetInt32().Should().Be(4);
    }
}
