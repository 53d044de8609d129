using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Tests.Features;
using DnS.Core.Tests.Features.Backbone;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Library;

/// <summary>The front door on real ffmpeg-generated clips: create, add, skip, re-index, remove, search, reopen, old indexes.</summary>
[Collection(VideoClipsCollection.Name)]
public sealed class VideoLibraryTests(VideoClips clips) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dns-library-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string NewFolder(string name) => Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A private copy of a clip, so a test can touch or delete it.</summary>
    private string CopyClip(string clip, string name)
    {
        string folder = Path.Combine(_root, "videos");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.Copy(clips[clip], path, overwrite: true);
        return path;
    }

    [Fact]
    public async Task Added_videos_are_searchable_after_reopening_and_their_sources_are_committed_in_the_metadata()
    {
        string folder = NewFolder("index");
        VideoSource[] videos = [new("a", CopyClip("h264.mp4", "a.mp4")), new("b", CopyClip("vp9.webm", "b.webm")), new("c", CopyClip("long.mp4", "c.mp4"))];
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions()))
        {
            var report = await library.AddAsync(videos);
            report.Indexed.Should().BeEquivalentTo(["a", "b", "c"]);
            report.Failed.Should().BeEmpty();
            report.Frames.Should().Be(3 + 3 + 10);
        }

        await using (var reopened = await VideoLibrary.OpenAsync(folder))
        {
            reopened.Count.Should().Be(3);
            foreach (var video in videos)
            {
                var file = new FileInfo(video.Path);
                reopened.Sources[video.Id].Should().Be(new VideoSourceInfo(file.FullName, file.Length, file.LastWriteTimeUtc));
            }
            // The stored embedding is the built-in coarse student's on the built-in extractor's features.
            using var extractor = new BuiltInFeatureExtractor();
            var models = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions);
            reopened.TryGetRecord("c", out var c).Should().BeTrue();
            c.Coarse.ToArray().Should().Equal(models.Coarse.IndexVideo((await extractor.ExtractAsync(videos[2].Path)).Values));

            // A file query finds its indexed copy first, with the same ranking as the indexed id (minus itself).
            var byFile = await reopened.SearchFileAsync(clips["h264.mp4"], SelectorPolicy.FineOnly, top: 3);
            byFile.Hits[0].Id.Should().Be("a");
            byFile.Hits[0].FineScore.Should().BeApproximately(1f, 1e-4f);
            var byId = reopened.Search("a", SelectorPolicy.FineOnly, top: 3);
            byId.Hits.Select(h => h.Id).Should().Equal(byFile.Hits.Skip(1).Select(h => h.Id));
            reopened.Schema.RegionMeans.Should().BeTrue("a new library keeps region means");
            var byDefault = reopened.Search("a");
            byDefault.Policy.ToString().Should().Be("topk:60+regions:10");
            byDefault.Statistics.FinePairs.Should().Be(3, "every video is re-ranked: the budget exceeds the library");
            var adding = () => reopened.AddAsync(videos);
            await adding.Should().ThrowAsync<InvalidOperationException>().WithMessage("*read-only*");
        }

        // The metadata, read through the plain store: a versioned profile and the sources.
        await using var store = await FileVideoStore.OpenAsync(folder);
        var profile = JsonNode.Parse(store.Metadata[VideoLibrary.ProfileKey])!;
        profile["version"]!.GetValue<int>().Should().Be(1);
        profile["models"].Should().BeNull("the built-in models have no files");
        JsonNode.Parse(store.Metadata[VideoLibrary.SourcesKey])!.AsObject().Select(p => p.Key).Should().Equal("a", "b", "c");
    }

    [Fact]
    public async Task A_rerun_skips_videos_committed_from_the_same_file_and_extracts_changed_ones_or_all_when_asked()
    {
        string folder = NewFolder("index");
        VideoSource[] videos = [new("a", CopyClip("h264.mp4", "ra.mp4")), new("b", CopyClip("mpeg4.avi", "rb.avi"))];
        await using var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions());
        (await library.AddAsync(videos)).Indexed.Should().HaveCount(2);

        var rerun = await library.AddAsync(videos);
        rerun.Skipped.Should().BeEquivalentTo(["a", "b"]);
        rerun.Indexed.Should().BeEmpty();
        rerun.Commits.Should().Be(0, "nothing changed");

        // b's file changes (another clip copied over it): b is extracted again and replaced, a is still skipped.
        File.Copy(clips["long.mp4"], videos[1].Path, overwrite: true);
        File.SetLastWriteTimeUtc(videos[1].Path, DateTime.UtcNow.AddMinutes(1));
        var changed = await library.AddAsync(videos);
        changed.Skipped.Should().Equal("a");
        changed.Indexed.Should().Equal("b");
        library.TryGetRecord("b", out var b).Should().BeTrue();
        b.Frames.Should().Be(10);
        library.Sources["b"].Length.Should().Be(new FileInfo(videos[1].Path).Length);

        var forced = await library.AddAsync(videos, reindex: true);
        forced.Indexed.Should().BeEquivalentTo(["a", "b"]);
        forced.Skipped.Should().BeEmpty();
    }

    [Theory]
    [InlineData(2, long.MaxValue, 1440, 3)]  // every 2 videos: 2 + 2 + the last 1
    [InlineData(1000, 1L, 1440, 5)]          // the first record passes the byte limit: one commit per video
    [InlineData(1000, long.MaxValue, 0, 5)]  // an interval of one tick has always passed when a video is stored
    [InlineData(1000, long.MaxValue, 1440, 1)] // only the final commit
    public async Task Commits_come_by_count_size_and_time(int everyVideos, long everyBytes, int intervalMinutes, int commits)
    {
        var interval = intervalMinutes == 0 ? TimeSpan.FromTicks(1) : TimeSpan.FromMinutes(intervalMinutes);
        var options = new VideoLibraryOptions { Ingestion = new IngestionOptions { CommitEveryVideos = everyVideos, CommitEveryBytes = everyBytes, CommitInterval = interval } };
        await using var library = await VideoLibrary.CreateAsync(NewFolder("index"), options);
        var videos = Enumerable.Range(0, 5).Select(i => new VideoSource($"v{i}", clips["h264.mp4"])).ToList();

        var report = await library.AddAsync(videos);

        report.Commits.Should().Be(commits);
        library.Count.Should().Be(5);
        library.Sources.Keys.Should().BeEquivalentTo(library.Ids, "each commit keeps the sources of the earlier ones");
    }

    [Fact]
    public async Task A_file_that_fails_is_reported_without_a_source_and_the_others_are_indexed()
    {
        string broken = Path.Combine(_root, "broken.mp4");
        await File.WriteAllTextAsync(broken, "not a video");
        await using var library = await VideoLibrary.CreateAsync(NewFolder("index"), new VideoLibraryOptions());

        var report = await library.AddAsync([new VideoSource("good", clips["h264.mp4"]), new VideoSource("bad", broken), new VideoSource("audio", clips["audio.m4a"])]);

        report.Indexed.Should().Equal("good");
        report.Failed.Select(f => f.Source.Id).Should().BeEquivalentTo(["bad", "audio"]);
        report.Failed.Should().OnlyContain(f => f.Reason.Length > 0);
        library.Ids.Should().Equal("good");
        library.Sources.Keys.Should().Equal("good");
    }

    [Fact]
    public async Task Cancellation_commits_the_finished_videos_with_their_sources_and_removal_drops_both()
    {
        string folder = NewFolder("index");
        var options = new VideoLibraryOptions { Ingestion = new IngestionOptions { ExtractionParallelism = 1 } };
        using var cancel = new CancellationTokenSource();
        var videos = Enumerable.Range(0, 10).Select(i => new VideoSource($"v{i}", CopyClip(i % 2 == 0 ? "h264.mp4" : "minute.mp4", $"c{i}.mp4"))).ToList();
        await using (var library = await VideoLibrary.CreateAsync(folder, options))
        {
            var run = () => library.AddAsync(videos, progress: new SynchronousProgress<IndexProgress>(p => { if (p.Indexed == 2) cancel.Cancel(); }), cancellationToken: cancel.Token);
            await run.Should().ThrowAsync<OperationCanceledException>();
        }
        await using (var library = await VideoLibrary.OpenAsync(folder, readOnly: false))
        {
            library.Count.Should().BeInRange(2, 9);
            library.Ids.Should().Contain(["v0", "v1"]);
            library.Sources.Keys.Should().BeEquivalentTo(library.Ids, "every committed video has its source");
            (await library.RemoveAsync(["v0", "nope"])).Should().Be(1);
        }
        await using var reopened = await VideoLibrary.OpenAsync(folder);
        reopened.Ids.Should().NotContain("v0");
        reopened.Sources.Keys.Should().BeEquivalentTo(reopened.Ids);
    }

    [Fact]
    public async Task A_model_folder_is_copied_in_by_content_so_the_index_survives_the_original_and_detects_damage()
    {
        string models = NewFolder("models");
        WriteModelFolder(models, BuiltInFeatureExtractorDims, seed: 7);
        string folder = NewFolder("index");
        string video = CopyClip("h264.mp4", "m.mp4");
        float[] expectedCoarse;
        using (var extractor = new BuiltInFeatureExtractor())
            expectedCoarse = DnsModels.Load(models).Coarse.IndexVideo((await extractor.ExtractAsync(video)).Values);
        string fineHash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(models, "fine.safetensors"))));

        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Models = models }))
        {
            library.Schema.FineKind.Should().Be(FineFeatureKind.Binary);
            await library.AddAsync([new VideoSource("m", video)]);
        }
        File.Exists(Path.Combine(folder, $"fine-{fineHash}.safetensors")).Should().BeTrue();
        Directory.Delete(models, recursive: true);

        await using (var library = await VideoLibrary.OpenAsync(folder))
        {
            library.TryGetRecord("m", out var m).Should().BeTrue();
            m.Coarse.ToArray().Should().Equal(expectedCoarse);
            (await library.SearchFileAsync(clips["h264.mp4"], top: 1)).Hits.Should().ContainSingle().Which.Id.Should().Be("m", "the file is the same clip");
        }

        string blob = Path.Combine(folder, $"fine-{fineHash}.safetensors");
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[^1] ^= 1;
        File.WriteAllBytes(blob, bytes);
        var open = () => VideoLibrary.OpenAsync(folder);
        (await open.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*fine-{fineHash}*damaged*");
    }

    [Fact]
    public async Task A_backbone_is_checked_by_hash_and_its_pca_copied_in()
    {
        var network = new TinyResNet(seed: 3);
        string backbone = Path.Combine(_root, "tiny.onnx");
        await File.WriteAllBytesAsync(backbone, network.StagesModel());
        PcaWhitening pca;
        using (var raw = new BackboneFeatureExtractor(OnnxBackbone.Open(backbone)))
        {
            var trainer = new PcaTrainer(raw.Dimensions);
            foreach (var clip in new[] { "h264.mp4", "long.mp4", "anim.gif" }) trainer.Add((await raw.ExtractAsync(clips[clip])).Values);
            pca = trainer.Fit(components: 8);
        }
        string pcaPath = Path.Combine(_root, "pca.safetensors");
        await pca.SaveAsync(pcaPath);
        string folder = NewFolder("index");
        string video = CopyClip("h264.mp4", "bb.mp4");

        var options = new VideoLibraryOptions { Features = new FeatureOptions { Backbone = backbone, Pca = pcaPath } };
        await using (var library = await VideoLibrary.CreateAsync(folder, options))
        {
            library.Schema.Should().Be(new StoreSchema(8, FineFeatureKind.Float, 9, 8) { CoarseEncoding = VideoLibraryOptions.DefaultCoarseEncoding, RegionMeans = true });
            await library.AddAsync([new VideoSource("bb", video)]);
            library.FeatureOptions.Pca.Should().StartWith(folder).And.Contain("pca-");
        }
        File.Delete(pcaPath);

        await using (var library = await VideoLibrary.OpenAsync(folder))
        {
            using var direct = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"), pca);
            library.TryGetRecord("bb", out var record).Should().BeTrue();
            record.FineFloats.ToArray().Should().Equal((await direct.ExtractAsync(video)).Values);
        }

        await File.WriteAllBytesAsync(backbone, new TinyResNet(seed: 4).StagesModel());
        var open = () => VideoLibrary.OpenAsync(folder);
        (await open.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{backbone}*changed since the index was built*");
    }

    [Fact]
    public async Task An_index_written_by_the_old_cli_with_sidecar_files_opens_and_its_first_commit_moves_them_into_the_metadata()
    {
        // As dns index wrote it before libraries: a store through FileVideoStore + VideoIndexer, a version 1 manifest,
        // and the two sidecars exactly as IndexProfile and IndexSources serialized them.
        string folder = NewFolder("old");
        string a = CopyClip("h264.mp4", "old-a.mp4"), b = CopyClip("vp9.webm", "old-b.webm");
        using (var extractor = new BuiltInFeatureExtractor())
        {
            var models = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions, binary: true);
            await using var store = await FileVideoStore.CreateOrOpenAsync(folder, VideoRecordFactory.SchemaOf(models));
            await new VideoIndexer(extractor, models, store).IndexAsync([new VideoSource("a", a)]);
        }
        string manifestPath = Path.Combine(folder, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["version"] = 1;
        manifest.Remove("metadata");
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "dns-index.json"),
            JsonSerializer.Serialize(new { models = (string?)null, backbone = (string?)null, pca = (string?)null, binary = true }, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(folder, "dns-sources.json"), JsonSerializer.Serialize(new Dictionary<string, string> { ["a"] = a }, new JsonSerializerOptions { WriteIndented = true }));

        await using (var old = await VideoLibrary.OpenAsync(folder))
        {
            old.Schema.FineKind.Should().Be(FineFeatureKind.Binary, "the sidecar says binary");
            old.Sources["a"].Path.Should().Be(a);
            (await old.SearchFileAsync(a, top: 1)).Hits.Single().Id.Should().Be("a");
            old.Schema.RegionMeans.Should().BeFalse();
            old.Search("a").Policy.Should().Be(SelectorPolicy.TopK(100), "an index without region means keeps its previous default");
        }
        await using (var writer = await VideoLibrary.OpenAsync(folder, readOnly: false))
        {
            var report = await writer.AddAsync([new VideoSource("a", a), new VideoSource("b", b)]);
            report.Skipped.Should().Equal("a");
            report.Indexed.Should().Equal("b");
        }
        File.Exists(Path.Combine(folder, "dns-index.json")).Should().BeFalse();
        File.Exists(Path.Combine(folder, "dns-sources.json")).Should().BeFalse();
        await using var migrated = await VideoLibrary.OpenAsync(folder);
        migrated.Sources.Keys.Should().BeEquivalentTo(["a", "b"]);
        migrated.Schema.FineKind.Should().Be(FineFeatureKind.Binary, "the profile came from the metadata now");
        JsonNode.Parse(File.ReadAllText(manifestPath))!["version"]!.GetValue<int>().Should().Be(3, "the first commit upgrades the manifest to the version of a float index");
    }

    [Fact]
    public async Task Conflicting_or_invalid_options_are_refused_with_the_reason()
    {
        string folder = NewFolder("index");
        await (await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions())).DisposeAsync();
        var other = () => VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Binary = true });
        await other.Should().ThrowAsync<ArgumentException>().WithMessage("*built with models built-in,*built-in (binary)*");
        await (await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions())).DisposeAsync();   // the same options reopen it

        var pcaAlone = () => VideoLibrary.CreateAsync(NewFolder("x"), new VideoLibraryOptions { Features = new FeatureOptions { Pca = "pca.safetensors" } });
        await pcaAlone.Should().ThrowAsync<ArgumentException>().WithMessage("*backbone*");
        var never = () => VideoLibrary.CreateAsync(NewFolder("x"), new VideoLibraryOptions { Ingestion = new IngestionOptions { CommitEveryVideos = 0 } });
        await never.Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("CommitEveryVideos");
        var noInterval = () => new IngestionOptions { CommitInterval = TimeSpan.Zero }.Validate();
        noInterval.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("CommitInterval");

        string plain = NewFolder("plain");
        await (await FileVideoStore.CreateOrOpenAsync(plain, new StoreSchema(4, FineFeatureKind.None, 0, 0))).DisposeAsync();
        var notALibrary = () => VideoLibrary.OpenAsync(plain);
        await notALibrary.Should().ThrowAsync<InvalidDataException>().WithMessage("*records neither*");
    }

    private static int BuiltInFeatureExtractorDims => new BuiltInFeatureExtractor().Dimensions;

    /// <summary>A trained-style model folder for the built-in features: an attention coarse student and a binary fine student with random weights.</summary>
    private static void WriteModelFolder(string folder, int dims, int seed)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) / MathF.Sqrt(dims)).ToArray();
        new SafeTensorsWriter()
            .Add("attention.transform.weight", Random(dims * dims), dims, dims)
            .Add("attention.transform.bias", Random(dims), dims)
            .Add("attention.context_vector.weight", Random(dims), 1, dims)
            .WriteAsync(Path.Combine(folder, "coarse.safetensors")).GetAwaiter().GetResult();
        new SafeTensorsWriter().Add("binarization.W", Random(dims * dims), dims, dims)
            .WriteAsync(Path.Combine(folder, "fine.safetensors")).GetAwaiter().GetResult();
        var config = new DnsModelsConfig
        {
            CoarseWeights = "coarse.safetensors",
            Coarse = new CoarseGrainedStudentConfig { Attention = true, Transformer = false, NetVlad = false },
            FineWeights = "fine.safetensors",
            Fine = new FineGrainedStudentConfig { Variant = FineGrainedVariant.Binary, Dims = dims, Comparator = false },
            SelectorWeights = null,
        };
        File.WriteAllText(Path.Combine(folder, DnsModels.ConfigFileName), JsonSerializer.Serialize(config, DnsModels.JsonOptions));
    }
}
