using System.Text.Json;
using DnS.Core.Evaluation;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Tests.Features;
using DnS.Core.Text;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Text;

/// <summary>
/// The text side of a library on real ffmpeg-decoded clips and golden-text's tiny CLIP: what it stores, the fast and
/// slow stages against a brute-force oracle (the model run directly on the files, scores in double precision), adding
/// text to an existing index, recovery after a crash between the two stores' commits, errors, and recall.
/// </summary>
[Collection(VideoClipsCollection.Name)]
public sealed class TextIndexTests(VideoClips clips) : IDisposable
{
    private static readonly string[] ClipNames = ["h264.mp4", "anim.gif", "vfr.mkv", "halves.mp4", "ramp.mkv"];
    private static readonly string[] Queries = ["a red screen", "a colorful fractal", "a test pattern with moving shapes", "gray"];

    private readonly string _root = Directory.CreateTempSubdirectory("dns-text-index-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string NewFolder(string name) => Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private VideoSource[] Videos() => [.. ClipNames.Select(c => new VideoSource(Path.GetFileNameWithoutExtension(c), clips[c]))];

    private static VideoLibraryOptions WithText(string? model = null) => new() { TextModel = model ?? SharedData.GoldenText() };

    // One library with a text side over all clips and its oracle, built by the first test that needs them (read-only after).
    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static (string Folder, Oracle Oracle)? _shared;

    private async Task<(VideoLibrary Library, Oracle Oracle)> SharedAsync()
    {
        await SharedGate.WaitAsync();
        try
        {
            if (_shared is null)
            {
                string folder = clips.NewPath("text-index");
                await using (var library = await VideoLibrary.CreateAsync(folder, WithText()))
                {
                    var report = await library.AddAsync(Videos());
                    report.Failed.Should().BeEmpty();
                    report.Indexed.Should().HaveCount(ClipNames.Length);
                }
                _shared = (folder, await Oracle.CreateAsync(Videos()));
            }
        }
        finally
        {
            SharedGate.Release();
        }
        return (await VideoLibrary.OpenAsync(_shared.Value.Folder), _shared.Value.Oracle);
    }

    /// <summary>The oracle: the model run on the files themselves, pooled and scored in double precision with plain loops (its model lives as long as the test run).</summary>
    private sealed class Oracle
    {
        private readonly Dictionary<string, float[]> _frames = new(StringComparer.Ordinal);
        private readonly ClipModel _model;

        private Oracle(ClipModel model) => _model = model;

        public static async Task<Oracle> CreateAsync(IEnumerable<VideoSource> videos)
        {
            var oracle = new Oracle(ClipModel.Open(SharedData.GoldenText()));
            foreach (var v in videos) oracle._frames[v.Id] = await oracle._model.EncodeFileAsync(v.Path);
            return oracle;
        }

        public int D => _model.EmbeddingDimension;

        public double Temperature => 1.0 / _model.LogitScale!.Value;

        public float[] Frames(string id) => _frames[id];

        public float[] Text(string query) => _model.EncodeText([query]);

        public double[] Pooled(string id)
        {
            var f = _frames[id];
            var mean = new double[D];
            for (int t = 0; t < f.Length / D; t++)
                for (int d = 0; d < D; d++) mean[d] += f[t * D + d];
            double norm = Math.Sqrt(mean.Sum(x => x * x));
            return [.. mean.Select(x => x / norm)];
        }

        public double Fast(float[] q, string id)
        {
            var v = Pooled(id);
            double s = 0;
            for (int d = 0; d < D; d++) s += q[d] * v[d];
            return s;
        }

        public double Slow(float[] q, string id)
        {
            var f = _frames[id];
            int frames = f.Length / D;
            var sims = new double[frames];
            for (int t = 0; t < frames; t++)
                for (int d = 0; d < D; d++) sims[t] += q[d] * (double)f[t * D + d];
            double max = sims.Max();
            var w = sims.Select(s => Math.Exp((s - max) / Temperature)).ToArray();
            return sims.Select((s, t) => s * w[t]).Sum() / w.Sum();
        }

        /// <summary>Video ids best first: top-K by fast score re-ranked by slow score, then the rest by fast score.</summary>
        public List<string> Rank(float[] q, int k)
        {
            var byFast = _frames.Keys.OrderByDescending(id => Fast(q, id)).ToList();
            return [.. byFast.Take(k).OrderByDescending(id => Slow(q, id)), .. byFast.Skip(k)];
        }
    }

    [Fact]
    public async Task Text_side_stores_the_frame_embeddings_of_the_model_and_their_pooled_mean()
    {
        var videos = Videos();
        var (reopened, oracle) = await SharedAsync();
        await using var disposal = reopened;
        Directory.Exists(Path.Combine(reopened.Folder, "text")).Should().BeTrue();
        reopened.HasText.Should().BeTrue();
        reopened.TextModelFolder.Should().Be(Path.GetFullPath(SharedData.GoldenText()));
        foreach (var v in videos)
        {
            var stored = reopened.GetTextEmbeddings(v.Id)!;
            stored.FrameEmbeddings.Should().Equal(oracle.Frames(v.Id), $"{v.Id}: the same decoding and model as ClipModel.EncodeFileAsync");
            stored.Frames.Should().Be(oracle.Frames(v.Id).Length / oracle.D).And.BeGreaterThan(0);
            var pooled = oracle.Pooled(v.Id);
            for (int d = 0; d < oracle.D; d++) stored.Pooled[d].Should().BeApproximately((float)pooled[d], 1e-6f);
        }
        reopened.GetTextEmbeddings("no-such-video").Should().BeNull();
    }

    [Fact]
    public async Task SearchText_slow_stage_scores_exactly_K_pairs_and_every_score_and_rank_equals_a_brute_force_oracle()
    {
        var videos = Videos();
        var (library, oracle) = await SharedAsync();
        await using var disposal = library;

        foreach (string query in Queries)
        {
            var q = oracle.Text(query);
            foreach (int k in new[] { 0, 2, 3, 5 })
            {
                var result = library.SearchText(query, SelectorPolicy.TopK(k), top: videos.Length);
                result.QueryId.Should().Be(query);
                result.Statistics.CoarsePairs.Should().Be(videos.Length);
                result.Statistics.FinePairs.Should().Be(k, "the slow stage scores exactly the K selected pairs");
                result.Hits.Select(h => h.Id).Should().Equal(oracle.Rank(q, k), $"'{query}', topk:{k}");
                result.Hits.Count(h => h.Stage == ScoringStage.Fine).Should().Be(k);
                foreach (var hit in result.Hits)
                {
                    hit.CoarseScore.Should().BeApproximately((float)oracle.Fast(q, hit.Id), 1e-5f);
                    if (hit.Stage == ScoringStage.Fine) hit.FineScore.Should().BeApproximately((float)oracle.Slow(q, hit.Id), 1e-5f);
                    else hit.FineScore.Should().Be(float.NaN);
                }
            }

            var all = library.SearchText(query, SelectorPolicy.FineOnly, top: 3);
            all.Statistics.FinePairs.Should().Be(videos.Length);
            all.Hits.Select(h => h.Id).Should().Equal(oracle.Rank(q, videos.Length).Take(3));
            library.SearchText(query, SelectorPolicy.CoarseOnly, top: 2).Statistics.FinePairs.Should().Be(0);
        }
    }

    [Fact]
    public async Task Text_side_added_to_an_existing_index_extracts_only_the_text_of_indexed_videos()
    {
        var videos = Videos()[..3];
        string folder = NewFolder("index");
        var before = new Dictionary<string, float[]>();
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions()))
        {
            await library.AddAsync(videos);
            library.HasText.Should().BeFalse();
            foreach (var v in videos)
            {
                library.TryGetRecord(v.Id, out var record).Should().BeTrue();
                before[v.Id] = record.Coarse.ToArray();
            }
        }

        await using (var library = await VideoLibrary.OpenAsync(folder, readOnly: false))
        {
            await library.AddTextModelAsync(SharedData.GoldenText());
            await library.AddTextModelAsync(SharedData.GoldenText());   // the same model again: nothing to do
            var report = await library.AddAsync(videos);
            report.Indexed.Should().HaveCount(videos.Length);
            report.Frames.Should().Be(0, "the main side of every video is current: only the text side is extracted");
            (await library.AddAsync(videos)).Skipped.Should().HaveCount(videos.Length);
        }

        await using var reopened = await VideoLibrary.OpenAsync(folder);
        foreach (var v in videos)
        {
            reopened.TryGetRecord(v.Id, out var record).Should().BeTrue();
            record.Coarse.ToArray().Should().Equal(before[v.Id]);
            reopened.GetTextEmbeddings(v.Id).Should().NotBeNull();
        }
        reopened.SearchText("a red screen", SelectorPolicy.TopK(2), top: 5).Hits.Should().HaveCount(videos.Length);
    }

    [Fact]
    public async Task Text_side_behind_the_main_store_after_a_crash_is_extracted_again_and_removal_keeps_it_a_subset()
    {
        var videos = Videos()[..3];
        string folder = NewFolder("index");
        await using (var library = await VideoLibrary.CreateAsync(folder, WithText()))
            await library.AddAsync(videos);

        // What a crash between the main commit and the text commit leaves: one video missing from the text side, and
        // one whose text entry comes from the file the main store held before (another source).
        await using (var text = await FileVideoStore.OpenAsync(Path.Combine(folder, "text"), new FileVideoStoreOptions()))
        {
            (await text.RemoveAsync("vfr")).Should().BeTrue();
            var sources = JsonSerializer.Deserialize<Dictionary<string, VideoSourceInfo>>(text.Metadata[VideoLibrary.SourcesKey], new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            sources["h264"] = sources["h264"] with { Length = 1 };
            await text.SetMetadataAsync(VideoLibrary.SourcesKey, JsonSerializer.Serialize(sources, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            await text.CommitAsync();
        }

        await using (var library = await VideoLibrary.OpenAsync(folder, readOnly: false))
        {
            library.GetTextEmbeddings("vfr").Should().BeNull();
            library.SearchText("a red screen", SelectorPolicy.CoarseOnly, top: 10).Hits.Should().HaveCount(videos.Length - 1);
            var report = await library.AddAsync(videos);
            report.Indexed.Should().BeEquivalentTo(["vfr", "h264"]);
            report.Frames.Should().Be(0);
            var (shared, oracle) = await SharedAsync();
            await shared.DisposeAsync();
            library.GetTextEmbeddings("vfr")!.FrameEmbeddings.Should().Equal(oracle.Frames("vfr"));

            (await library.RemoveAsync(["anim"])).Should().Be(1);
            library.GetTextEmbeddings("anim").Should().BeNull();
        }

        await using var main = await FileVideoStore.OpenAsync(folder);
        await using var companion = await FileVideoStore.OpenAsync(Path.Combine(folder, "text"));
        companion.Ids.Should().BeEquivalentTo(main.Ids);
    }

    [Fact]
    public async Task Text_search_errors_name_the_cause_selector_policies_missing_text_side_and_changed_model_files()
    {
        var videos = Videos()[..2];
        await using (var plain = await VideoLibrary.CreateAsync(NewFolder("plain"), new VideoLibraryOptions()))
        {
            var missing = () => plain.SearchText("a red screen");
            missing.Should().Throw<InvalidOperationException>().WithMessage("*has no text side*--text-model*");
            var badModel = () => plain.AddTextModelAsync(_root);
            (await badModel.Should().ThrowAsync<ClipModelException>()).Which.Path.Should().Be(Path.Combine(_root, "config.json"));
            plain.HasText.Should().BeFalse();
        }

        // A private copy of the model, so it can change after indexing.
        string model = NewFolder("model");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(SharedData.GoldenText())) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        string folder = NewFolder("index");
        await using (var library = await VideoLibrary.CreateAsync(folder, WithText(model)))
        {
            await library.AddAsync(videos);
            var selector = () => library.SearchText("a red screen", SelectorPolicy.SelectorFraction(0.3));
            selector.Should().Throw<ArgumentException>().WithMessage("*dns:0.3*coarse, fine or topk:K*");
            var other = () => library.AddTextModelAsync(SharedData.GoldenText());
            await other.Should().NotThrowAsync("the same files by content are the same model");
        }
        await File.AppendAllTextAsync(Path.Combine(model, "config.json"), "\n");
        var open = () => VideoLibrary.OpenAsync(folder);
        (await open.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{Path.Combine(model, "config.json")} changed since the index was built*");
        File.Copy(SharedData.GoldenText("config.json"), Path.Combine(model, "config.json"), overwrite: true);
        File.Delete(Path.Combine(model, "vision.onnx"));
        (await open.Should().ThrowAsync<FileNotFoundException>()).WithMessage($"*{Path.Combine(model, "vision.onnx")} is missing*");
    }

    [Fact]
    public async Task Text_recall_of_fast_and_fast_plus_slow_equals_the_brute_force_ranking()
    {
        var videos = Videos();
        var (library, oracle) = await SharedAsync();
        await using var disposal = library;
        var captions = new VideoCaptions([.. videos.SelectMany(v => Queries.Select(q => (v.Id, $"{q} {v.Id}"))), ("not-indexed", "a red screen")]);

        var recalls = TextToVideoRecall.Evaluate(library, captions, [SelectorPolicy.CoarseOnly, SelectorPolicy.TopK(2)]);
        recalls.Should().HaveCount(2);
        foreach (var (recall, k) in recalls.Zip(new[] { 0, 2 }))
        {
            var expected = captions.Pairs.Where(p => p.VideoId != "not-indexed")
                .Select(p => oracle.Rank(oracle.Text(p.Sentence), k).IndexOf(p.VideoId) + 1).ToList();
            recall.Ranks.Should().Equal(expected);
            recall.Skipped.Should().Be(1);
            recall.SlowPairsPerQuery.Should().Be(k);
            recall.RecallAt1.Should().Be(expected.Count(r => r == 1) / (double)expected.Count);
            recall.RecallAt5.Should().Be(expected.Count(r => r <= 5) / (double)expected.Count);
            var sorted = expected.Order().ToList();
            recall.MedianRank.Should().Be((sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2.0);
        }
    }

    [Fact]
    public async Task Text_captions_files_in_plain_msrvtt_and_vatex_form_read_the_same_pairs()
    {
        string plain = Path.Combine(_root, "plain.json"), msrvtt = Path.Combine(_root, "msrvtt.json"), vatex = Path.Combine(_root, "vatex.json");
        await File.WriteAllTextAsync(plain, """{"v1": ["a dog", "a cat"], "v2": ["a car"]}""");
        await File.WriteAllTextAsync(msrvtt, """{"videos": [], "sentences": [{"video_id": "v1", "caption": "a dog", "sen_id": 0}, {"video_id": "v1", "caption": "a cat"}, {"video_id": "v2", "caption": "a car"}]}""");
        await File.WriteAllTextAsync(vatex, """[{"videoID": "v1", "enCap": ["a dog", "a cat"]}, {"videoID": "v2", "enCap": ["a car"]}]""");
        (string, string)[] expected = [("v1", "a dog"), ("v1", "a cat"), ("v2", "a car")];
        foreach (var path in new[] { plain, msrvtt, vatex })
            (await VideoCaptions.LoadAsync(path)).Pairs.Should().Equal(expected, path);

        string bad = Path.Combine(_root, "bad.json");
        await File.WriteAllTextAsync(bad, """{"v1": "a dog"}""");
        var load = () => VideoCaptions.LoadAsync(bad);
        await load.Should().ThrowAsync<InvalidDataException>().WithMessage($"{bad}: the captions of 'v1' must be a list of sentences");
    }
}
