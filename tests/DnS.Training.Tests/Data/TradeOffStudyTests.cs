using DnS.Core.Evaluation;
using DnS.Core.Features.Extraction;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Samples.Corpus;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Data;

/// <summary>
/// The trade-off study on any labeled corpus (what the distillation study's <c>cascade</c> runs): real ffmpeg-decoded
/// built-in features of a pattern, its re-encoded copy and two unrelated clips, labeled in a FIVR annotation file.
/// </summary>
[Collection(TrainingClipsCollection.Name)]
public sealed class TradeOffStudyTests(TrainingClips clips) : IDisposable
{
    private readonly string _annotation = Path.Combine(clips.Directory, "annotation-" + Guid.NewGuid().ToString("N")[..8] + ".json");

    public void Dispose() => File.Delete(_annotation);

    [Fact]
    public async Task Rows_and_rankings_follow_the_labels_the_policies_and_the_dataset()
    {
        using var extractor = new BuiltInFeatureExtractor();
        var videos = new List<TradeOffVideo>();
        foreach (var (id, path) in new[] { ("pattern", clips.Pattern), ("copy", clips.Copy), ("fractal", clips.Fractal), ("life", clips.Life) })
            videos.Add(new TradeOffVideo(id, id == "pattern", (await extractor.ExtractAsync(path)).Values));
        await File.WriteAllTextAsync(_annotation, """{ "pattern": { "ND": ["copy", "life"] } }""");
        var annotations = await FivrAnnotations.LoadAsync(_annotation);
        var models = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions);
        var seen = new Dictionary<string, SimilarityResults>();

        var rows = await TradeOffStudy.RunAsync(annotations, videos, [("built-in", models, [SelectorPolicy.CoarseOnly, SelectorPolicy.TopK(2), SelectorPolicy.FineOnly])],
            results: (row, rankings) => seen.Add(row.Configuration, rankings));

        rows.Select(r => r.Configuration).Should().Equal("built-in, coarse", "built-in, topk:2", "built-in, fine");
        rows.Select(r => r.FinePairsPerQuery).Should().Equal(0, 2, 4);
        seen.Keys.Should().Equal(rows.Select(r => r.Configuration));
        foreach (var row in rows)
        {
            var ranking = seen[row.Configuration]["pattern"]!;
            ranking.Select(e => e.Id).Should().BeEquivalentTo("pattern", "copy", "fractal", "life");
            // The AP by hand: the two labeled copies' precision at their ranks, the query itself left out.
            var order = ranking.Where(e => e.Id != "pattern").OrderByDescending(e => e.Score).Select(e => e.Id).ToList();
            order[0].Should().Be("copy", "the re-encoded copy outranks the unrelated clips at every stage");
            row.MeanAveragePrecision.Should().BeApproximately((1.0 / 1 + 2.0 / (order.IndexOf("life") + 1)) / 2, 1e-12);
        }

        // With "life" outside the dataset only the copy is relevant, and it is ranked first.
        var inDataset = await TradeOffStudy.RunAsync(annotations, videos, [("built-in", models, [SelectorPolicy.FineOnly])],
            dataset: new HashSet<string>(StringComparer.Ordinal) { "pattern", "copy", "fractal" });
        inDataset.Single().MeanAveragePrecision.Should().Be(1);
    }
}
