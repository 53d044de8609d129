using DnS.Core.Features.Decoding;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Storage;
using DnS.Core.Tests.Features;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Indexing;

[Collection(VideoClipsCollection.Name)]
public sealed class VideoIndexerTests(VideoClips clips)
{
    private static (BuiltInFeatureExtractor, DnsModels, InMemoryVideoStore) Setup(bool binary = false)
    {
        var extractor = new BuiltInFeatureExtractor();
        var models = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions, binary);
        return (extractor, models, new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models)));
    }

    [Fact]
    public async Task Indexes_every_good_file_reports_the_bad_ones_and_progress()
    {
        var (extractor, models, store) = Setup();
        using var _ = extractor;
        string missing = clips.NewPath("missing.mp4");
        VideoSource[] videos =
        [
            new("a", clips["h264.mp4"]), new("audio", clips["audio.m4a"]), new("b", clips["vp9.webm"]),
            new("gone", missing), new("c", clips["anim.gif"]),
        ];
        var reports = new List<IndexProgress>();

        var report = await new VideoIndexer(extractor, models, store).IndexAsync(videos, new SynchronousProgress<IndexProgress>(reports.Add));

        report.Indexed.Should().BeEquivalentTo(["a", "b", "c"]);
        report.Failed.Select(f => (f.Source.Id, ((VideoDecodingException)f.Exception).Reason))
            .Should().BeEquivalentTo([("audio", VideoDecodingFailure.NoVideoStream), ("gone", VideoDecodingFailure.FileNotFound)]);
        report.Frames.Should().Be(9);
        store.Ids.Should().BeEquivalentTo(["a", "b", "c"]);
        reports.Should().HaveCount(5);
        reports[^1].Should().Match<IndexProgress>(p => p.Completed == 5 && p.Indexed == 3 && p.Failed == 2 && p.Total == 5);
        store.TryGetRecord("a", out var a).Should().BeTrue();
        a.Frames.Should().Be(3);
        a.Coarse.ToArray().Should().Equal(models.Coarse.IndexVideo((await extractor.ExtractAsync(clips["h264.mp4"])).Values));
    }

    [Fact]
    public async Task Reindexing_an_id_replaces_it()
    {
        var (extractor, models, store) = Setup(binary: true);
        using var _ = extractor;
        var indexer = new VideoIndexer(extractor, models, store);
        await indexer.IndexAsync([new VideoSource("v", clips["h264.mp4"])]);
        await indexer.IndexAsync([new VideoSource("v", clips["long.mp4"])]);

        store.Ids.Should().Equal("v");
        store.TryGetRecord("v", out var v).Should().BeTrue();
        v.Frames.Should().Be(10);
        v.FineCodes.Length.Should().Be(10 * 9 * 2, "128-bit codes are two words per region");
    }

    [Fact]
    public async Task Cancellation_keeps_the_videos_already_indexed()
    {
        var (extractor, models, store) = Setup();
        using var _ = extractor;
        using var cancel = new CancellationTokenSource();
        var videos = Enumerable.Range(0, 12).Select(i => new VideoSource($"v{i}", clips[i % 2 == 0 ? "h264.mp4" : "minute.mp4"])).ToList();
        var progress = new SynchronousProgress<IndexProgress>(p => { if (p.Indexed == 2) cancel.Cancel(); });

        var run = () => new VideoIndexer(extractor, models, store, new IngestionOptions { ExtractionParallelism = 1 }).IndexAsync(videos, progress, cancel.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        store.Count.Should().BeInRange(2, 11, "finished videos are committed, the rest never started");
        store.Ids.Should().Contain(["v0", "v1"]);
    }

    [Fact]
    public void Mismatched_parts_are_refused_up_front()
    {
        var (extractor, models, _) = Setup();
        using var __ = extractor;
        var wrongStore = new InMemoryVideoStore(new StoreSchema(64, FineFeatureKind.Float, 9, 128));
        var act = () => new VideoIndexer(extractor, models, wrongStore);
        act.Should().Throw<ArgumentException>().WithMessage("*store holds*");
        var wrongModels = DnsModels.BuiltIn(9, 512);
        var act2 = () => new VideoIndexer(extractor, wrongModels, new InMemoryVideoStore(VideoRecordFactory.SchemaOf(wrongModels)));
        act2.Should().Throw<ArgumentException>().WithMessage("*9×128*9×512*");
    }

    [Fact]
    public async Task Duplicate_ids_in_one_run_are_an_error()
    {
        var (extractor, models, store) = Setup();
        using var _ = extractor;
        var act = () => new VideoIndexer(extractor, models, store).IndexAsync([new("x", clips["h264.mp4"]), new("x", clips["vp9.webm"])]);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*'x'*");
    }
}
