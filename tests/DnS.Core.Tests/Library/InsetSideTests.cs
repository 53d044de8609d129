using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Tests.Features.Extraction;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Library;

/// <summary>
/// The inset side of a library on the ffmpeg overlay clips of <see cref="InsetFeatureTests"/>: what the index stores
/// decodes to within its quantization, and a search with <c>+insets</c> (by file and by id) places the same verified
/// matches as the in-memory <see cref="InsetStage"/> over the float features and thumbnails does.
/// </summary>
public sealed class InsetSideTests(ITestOutputHelper output, InsetFeatureTests.Fixture fixture) : IClassFixture<InsetFeatureTests.Fixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dns-inset-side-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Stored_payloads_decode_to_the_features_within_half_a_quantization_step_and_the_luma_within_half_a_level()
    {
        using var extractor = new InsetFeatureExtractor();
        using var thumbnailExtractor = new InsetThumbnailExtractor();
        string clip = fixture.Path("inset1_2");
        var features = await extractor.ExtractAsync(clip);
        var thumbnails = await thumbnailExtractor.ExtractAsync(clip);

        var record = InsetSide.CreateRecord("x", features, thumbnails);
        record.Validate(InsetSide.Layout.Schema);
        var (decodedFeatures, decodedThumbnails) = InsetSide.Decode(record);

        (decodedFeatures.Frames, decodedFeatures.Regions, decodedFeatures.Dimensions).Should().Be((features.Frames, features.Regions, features.Dimensions));
        int d = features.Dimensions;
        for (int region = 0; region < features.Frames * features.Regions; region++)
        {
            var original = features.Values.AsSpan(region * d, d).ToArray();
            var decoded = decodedFeatures.Values.AsSpan(region * d, d).ToArray();
            // int8 with one scale per region: step max|x| / 127, so every value within half a step.
            double step = original.Max(Math.Abs) / 127.0;
            for (int k = 0; k < d; k++) ((double)Math.Abs(decoded[k] - original[k])).Should().BeLessThanOrEqualTo(step / 2 + 1e-7);
        }
        decodedThumbnails.Values.Should().HaveCount(thumbnails.Values.Length);
        for (int i = 0; i < thumbnails.Values.Length; i++)
            Math.Abs(decodedThumbnails.Values[i] - thumbnails.Values[i]).Should().BeLessThanOrEqualTo(0.5f / 255 + 1e-6f);
        // The coarse vector is the normalized mean whole-frame descriptor, written out here as a plain sum.
        var mean = new double[d];
        for (int t = 0; t < features.Frames; t++)
            for (int k = 0; k < d; k++) mean[k] += features.Values[t * features.Regions * d + k];
        double norm = Math.Sqrt(mean.Sum(x => x * x));
        record.Coarse.ToArray().Select(x => (double)x).Should().Equal(mean.Select(x => x / norm), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public async Task A_search_with_insets_moves_the_verified_insets_where_the_in_memory_stage_over_float_features_does()
    {
        string folder = Path.Combine(_root, "index");
        var videos = fixture.Names.Where(n => !n.StartsWith("source", StringComparison.Ordinal)).Select(n => new VideoSource(n, fixture.Path(n))).ToList();
        videos.Add(new VideoSource("source2", fixture.Path("source2")));
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Insets = true }))
        {
            (await library.AddAsync(videos)).Failed.Should().BeEmpty();
            library.GetInsetStorageReport()!.Videos.Should().Be(videos.Count);
        }

        // The oracle: the stage over float features and thumbnails in memory (InsetVerificationTests checks it against pixels).
        using var insetExtractor = new InsetFeatureExtractor();
        using var thumbnailExtractor = new InsetThumbnailExtractor();
        var features = new Dictionary<string, RegionFeatures>();
        var thumbnails = new Dictionary<string, RegionFeatures>();
        foreach (string name in fixture.Names)
        {
            features[name] = await insetExtractor.ExtractAsync(fixture.Path(name));
            thumbnails[name] = await thumbnailExtractor.ExtractAsync(fixture.Path(name));
        }
        var oracle = new InsetStage(videos.ToDictionary(v => v.Id, v => features[v.Id]), thumbnails: videos.ToDictionary(v => v.Id, v => thumbnails[v.Id]));

        await using var reopened = await VideoLibrary.OpenAsync(folder);
        reopened.HasInsets.Should().BeTrue();
        reopened.DefaultPolicy.Should().Be(VideoLibrary.DefaultVideoPolicy.WithInsets());
        var policy = SelectorPolicy.Parse("topk:5+insets");
        double tier = 0.9 + reopened.Models.FineCalibration.ShortlistLift;
        for (int s = 0; s < 3; s++)
        {
            string query = $"source{s}";
            var insetScores = oracle.Score(features[query]);
            var verified = oracle.Verify(features[query], thumbnails[query], insetScores.Where(p => p.Key != query).ToDictionary());
            var expected = verified.Where(p => p.Value >= InsetStageOptions.Default.VerifiedThreshold).ToDictionary();
            expected.Keys.Should().BeEquivalentTo(Enumerable.Range(0, 3).Select(i => $"inset{s}_{i}"), "the oracle finds every inset of the source");

            // Source 2 is indexed: searched by id, its stored side is the query's; sources 0 and 1 are searched by file.
            var result = s == 2 ? reopened.Search(query, policy, top: 10) : await reopened.SearchFileAsync(fixture.Path(query), policy, top: 10);
            foreach (var hit in result.Hits) output.WriteLine($"{query}: {hit.Id} {hit.Score:F4} {hit.Stage}");
            result.Policy.Should().Be(policy);
            result.Statistics.Inset.Should().BePositive();
            result.Hits.Should().NotContain(h => h.Id == query);
            var moved = result.Hits.Where(h => h.Stage == ScoringStage.Inset).ToList();
            moved.Select(h => h.Id).Should().BeEquivalentTo(expected.Keys, "the stored int8 features and byte thumbnails verify the same matches");
            foreach (var hit in moved)
                hit.Score.Should().BeApproximately((float)(tier - 0.01 * (1 - expected[hit.Id])), 2e-4f, $"{hit.Id} goes just under the tier by its pixel score");
            result.Hits.Take(3).Select(h => h.Id).Should().BeEquivalentTo(expected.Keys, "no cascade match of a source reaches the tier here");

            var plain = s == 2 ? reopened.Search(query, policy.WithInsets(false), top: 10) : await reopened.SearchFileAsync(fixture.Path(query), policy.WithInsets(false), top: 10);
            plain.Hits.Should().NotContain(h => h.Stage == ScoringStage.Inset);
            plain.Statistics.Inset.Should().Be(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task With_a_text_side_beside_it_only_the_side_a_crash_left_behind_is_extracted_again()
    {
        string folder = Path.Combine(_root, "two-sides");
        VideoSource[] videos = [new("inset0_0", fixture.Path("inset0_0")), new("background1", fixture.Path("background1"))];
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Insets = true, TextModel = SharedData.GoldenText() }))
            (await library.AddAsync(videos)).Frames.Should().BeGreaterThan(0);

        // What a crash between the main commit and the inset side's commit leaves: one video missing from insets/ only.
        await using (var insets = await FileVideoStore.OpenAsync(Path.Combine(folder, InsetSide.FolderName), new FileVideoStoreOptions()))
        {
            (await insets.RemoveAsync("background1")).Should().BeTrue();
            await insets.CommitAsync();
        }
        int textSegmentsBefore = Directory.GetFiles(Path.Combine(folder, "text"), "seg-*").Length;

        await using (var library = await VideoLibrary.OpenAsync(folder, readOnly: false))
        {
            library.GetInsetStorageReport()!.Videos.Should().Be(1);
            var report = await library.AddAsync(videos);
            report.Indexed.Should().Equal("background1");
            report.Frames.Should().Be(0, "the main side was current");
            library.GetInsetStorageReport()!.Videos.Should().Be(2);
            (await library.AddAsync(videos)).Skipped.Should().HaveCount(2);
        }
        Directory.GetFiles(Path.Combine(folder, "text"), "seg-*").Length.Should().Be(textSegmentsBefore, "the text side was current and nothing was written to it");
        await using var main = await FileVideoStore.OpenAsync(folder);
        await using var companion = await FileVideoStore.OpenAsync(Path.Combine(folder, InsetSide.FolderName));
        companion.Ids.Should().BeEquivalentTo(main.Ids);
    }

    [Theory]
    [InlineData("{ \"version\": 1, \"regions\": 50, \"dimensions\": 128, \"featureSide\": 240, \"thumbnailSide\": 192 }", "*50 regions*this version reads*84 regions*")]
    [InlineData("{ \"version\": 2 }", "*inset layout v2*this version reads*v1*")]
    [InlineData("not json", "*inset side's layout (dns.insets) is malformed*")]
    public async Task An_inset_side_of_another_layout_or_a_malformed_record_is_refused_naming_the_index(string recorded, string message)
    {
        string folder = Path.Combine(_root, "layout-" + Guid.NewGuid().ToString("N")[..8]);
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Insets = true }))
            await library.AddAsync([new VideoSource("background1", fixture.Path("background1"))]);
        await using (var store = await FileVideoStore.OpenAsync(folder, new FileVideoStoreOptions()))
        {
            await store.SetMetadataAsync(InsetSide.MetadataKey, recorded);
            await store.CommitAsync();
        }
        var open = () => VideoLibrary.OpenAsync(folder);
        (await open.Should().ThrowAsync<InvalidDataException>()).WithMessage($"{folder}*").WithMessage(message);
    }

    [Fact]
    public async Task An_inset_side_added_to_an_index_extracts_only_itself_and_follows_removals()
    {
        string folder = Path.Combine(_root, "added");
        VideoSource[] videos = [new("inset0_0", fixture.Path("inset0_0")), new("background1", fixture.Path("background1")), new("source0", fixture.Path("source0"))];
        await using var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions());
        await library.AddAsync(videos);
        var before = library.ScoreAll(library.TryGetRecord("source0", out var q) ? q : throw new KeyNotFoundException());
        library.HasInsets.Should().BeFalse();
        library.DefaultPolicy.Insets.Should().BeFalse();
        FluentActions.Invoking(() => library.Search("source0", SelectorPolicy.FineOnly.WithInsets())).Should().Throw<ArgumentException>().WithMessage("*no inset side*--insets*");

        await library.AddInsetsAsync();
        await library.AddInsetsAsync(); // a second time: nothing happens
        var report = await library.AddAsync(videos);
        report.Indexed.Should().BeEquivalentTo(videos.Select(v => v.Id), "each video's inset side is extracted");
        library.GetInsetStorageReport()!.Videos.Should().Be(3);
        library.TryGetRecord("source0", out var after).Should().BeTrue();
        after.Coarse.ToArray().Should().Equal(q.Coarse.ToArray(), "the main side was current and not extracted again");
        before.Merged.Should().Equal(library.ScoreAll(after, library.DefaultPolicy.WithInsets(false)).Merged);
        (await library.AddAsync(videos)).Skipped.Should().HaveCount(3, "both sides are current now");

        var hits = library.Search("source0", SelectorPolicy.FineOnly.WithInsets()).Hits;
        hits[0].Should().Match<SearchHit>(h => h.Id == "inset0_0" && h.Stage == ScoringStage.Inset);

        // A record made elsewhere has no inset side; removals leave the inset side a subset of the main store.
        var foreign = q with { Coarse = q.Coarse.ToArray().Select(x => -x).ToArray() };
        FluentActions.Invoking(() => library.ScoreAll(foreign, SelectorPolicy.FineOnly.WithInsets())).Should().Throw<ArgumentException>().WithMessage("*source0*no inset features*");
        (await library.RemoveAsync(["inset0_0"])).Should().Be(1);
        library.GetInsetStorageReport()!.Videos.Should().Be(2);
        library.Search("source0", SelectorPolicy.FineOnly.WithInsets()).Hits.Should().NotContain(h => h.Stage == ScoringStage.Inset);
    }
}
