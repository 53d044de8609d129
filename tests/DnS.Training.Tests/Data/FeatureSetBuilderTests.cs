using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Training.Data;
using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Data;

[Collection(TrainingClipsCollection.Name)]
public sealed class FeatureSetBuilderTests(TrainingClips clips) : IDisposable
{
    private readonly string _store = Path.Combine(clips.Directory, "features-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly BuiltInFeatureExtractor _extractor = new();

    public void Dispose()
    {
        _extractor.Dispose();
        if (Directory.Exists(_store)) Directory.Delete(_store, recursive: true);
    }

    [Fact]
    public async Task Stores_raw_features_reports_the_corrupt_file_and_resumes_without_re_extracting()
    {
        VideoSource[] first = [new("pattern", clips.Pattern), new("corrupt", clips.Corrupt), new("fractal", clips.Fractal)];
        var reports = new List<IndexProgress>();
        var report = await new FeatureSetBuilder(_extractor, new IngestionOptions { CommitEveryVideos = 1 })
            .BuildAsync(_store, first, new SyncProgress<IndexProgress>(reports.Add));

        report.Indexed.Should().BeEquivalentTo("pattern", "fractal");
        report.Commits.Should().Be(2, "one commit per stored video");
        report.Skipped.Should().BeEmpty();
        report.Failed.Should().ContainSingle().Which.Should().Match<IndexFailure>(f => f.Source.Id == "corrupt" && f.Source.Path == clips.Corrupt && f.Reason.Length > 0);
        reports.Should().HaveCount(3);
        reports[^1].Completed.Should().Be(3);

        await using (var set = await FeatureSetBuilder.OpenAsync(_store))
        {
            set.Store.Schema.Should().Be(FeatureSetBuilder.SchemaFor(_extractor.Regions, _extractor.Dimensions));
            set.Source.Count.Should().Be(2);
            for (int v = 0; v < 2; v++)
            {
                string id = set.Source.GetId(v);
                var direct = await _extractor.ExtractAsync(id == "pattern" ? clips.Pattern : clips.Fractal);
                set.Source.GetFrames(v).Should().Be(direct.Frames).And.BeGreaterThan(1);
                set.Source.GetFeatures(v).ToArray().Should().Equal(direct.Values);
            }
        }

        VideoSource[] second = [.. first, new("copy", clips.Copy), new("life", clips.Life)];
        var resumed = await new FeatureSetBuilder(_extractor).BuildAsync(_store, second);
        resumed.Skipped.Should().BeEquivalentTo("pattern", "fractal");
        resumed.Indexed.Should().BeEquivalentTo("copy", "life");
        resumed.Failed.Select(f => f.Source.Id).Should().Equal("corrupt");

        await using var all = await FeatureSetBuilder.OpenAsync(_store);
        all.Source.Count.Should().Be(4);
        int Index(string id) => Enumerable.Range(0, all.Source.Count).Single(v => all.Source.GetId(v) == id);

        // The parameter-free teacher ranks the re-encoded, rescaled copy above unrelated videos.
        var chamfer = ChamferTeacher.For(all.Source);
        float copy = chamfer.Score(all.Source, Index("pattern"), Index("copy"));
        copy.Should().BeGreaterThan(chamfer.Score(all.Source, Index("pattern"), Index("fractal")));
        copy.Should().BeGreaterThan(chamfer.Score(all.Source, Index("pattern"), Index("life")));
    }

    [Fact]
    public async Task Cancellation_keeps_the_finished_videos()
    {
        using var cancel = new CancellationTokenSource();
        VideoSource[] videos = [new("pattern", clips.Pattern), new("copy", clips.Copy), new("fractal", clips.Fractal), new("life", clips.Life)];
        var builder = new FeatureSetBuilder(_extractor, new IngestionOptions { ExtractionParallelism = 1, CommitEveryVideos = 100 });
        await FluentActions.Awaiting(() => builder.BuildAsync(_store, videos, new SyncProgress<IndexProgress>(_ => cancel.Cancel()), cancel.Token))
            .Should().ThrowAsync<OperationCanceledException>();

        await using var set = await FeatureSetBuilder.OpenAsync(_store);
        set.Source.Count.Should().BeInRange(1, 3);
        set.Source.GetId(0).Should().Be("pattern");
    }

    [Fact]
    public async Task Duplicate_ids_and_a_store_of_another_schema_are_rejected()
    {
        var builder = new FeatureSetBuilder(_extractor);
        await FluentActions.Awaiting(() => builder.BuildAsync(_store, [new("a", clips.Pattern), new("a", clips.Copy)]))
            .Should().ThrowAsync<ArgumentException>().WithMessage($"*id 'a' is used by {clips.Pattern} and {clips.Copy}*");

        await (await DnS.Core.Storage.FileVideoStore.CreateOrOpenAsync(_store, FeatureSetBuilder.SchemaFor(9, 64))).DisposeAsync();
        await FluentActions.Awaiting(() => builder.BuildAsync(_store, [new("a", clips.Pattern)])).Should().ThrowAsync<InvalidOperationException>();
    }
}
