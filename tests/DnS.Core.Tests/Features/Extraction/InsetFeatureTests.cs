using DnS.Core.Features;
using DnS.Core.Features.Decoding;
using DnS.Core.Features.Extraction;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features.Extraction;

/// <summary>
/// Picture-in-picture copies made by ffmpeg's overlay filter: three moving synthetic sources (a zooming fractal, a test
/// pattern, scrolling color bars), each shrunk to 1/4, 1/9 and 1/16 of the area into a corner or the center of another
/// moving clip; the inset score must rank each source's three insets above every other clip (the other sources' insets
/// over the same backgrounds are the hard negatives), where the built-in region chamfer does not.
/// </summary>
public sealed class InsetFeatureTests(ITestOutputHelper output, InsetFeatureTests.Fixture fixture) : IClassFixture<InsetFeatureTests.Fixture>
{
    private static readonly string[] Sources =
    [
        "mandelbrot=s=320x180:r=5:maxiter=200:start_x=-0.74:start_y=0.1",
        "testsrc2=s=320x180:r=5",
        "smptehdbars=s=320x180:r=5,scroll=horizontal=0.02",
    ];

    private static readonly string[] Backgrounds =
    [
        "cellauto=s=320x180:r=5:rule=30:random_seed=1",
        "sierpinski=s=320x180:r=5:seed=2",
        "cellauto=s=320x180:r=5:rule=110:random_seed=5",
    ];

    // (scale, x, y, background) per inset of source s: every scale once, corners and the center, 8 px margin.
    private static readonly (int Scale, string X, string Y)[] Placements =
    [
        (2, "8", "8"), (3, "W-w-8", "H-h-8"), (4, "(W-w)/2", "(H-h)/2"),
        (2, "W-w-8", "8"), (3, "(W-w)/2", "(H-h)/2"), (4, "8", "H-h-8"),
        (2, "(W-w)/2", "(H-h)/2"), (3, "8", "8"), (4, "W-w-8", "8"),
    ];

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            Directory = System.IO.Directory.CreateTempSubdirectory("dns-insets-").FullName;
            for (int s = 0; s < Sources.Length; s++)
                Clip($"source{s}", "-f", "lavfi", "-i", $"{Sources[s]},trim=duration=3");
            for (int b = 0; b < Backgrounds.Length; b++)
                Clip($"background{b}", "-f", "lavfi", "-i", $"{Backgrounds[b]},trim=duration=3");
            for (int s = 0; s < Sources.Length; s++)
                for (int i = 0; i < 3; i++)
                {
                    var (scale, x, y) = Placements[s * 3 + i];
                    Clip($"inset{s}_{i}", "-i", Path(s == 0 && i == 0 ? "background0" : $"background{(s + i) % Backgrounds.Length}"), "-i", Path($"source{s}"),
                        "-filter_complex", $"[1:v]scale=iw/{scale}:-2[i];[0:v][i]overlay=x={x}:y={y}:shortest=1");
                }
        }

        public string Directory { get; }

        public string Path(string name) => System.IO.Path.Combine(Directory, name + ".mp4");

        public IEnumerable<string> Names =>
            Enumerable.Range(0, Sources.Length).Select(s => $"source{s}")
                .Concat(Enumerable.Range(0, Backgrounds.Length).Select(b => $"background{b}"))
                .Concat(Enumerable.Range(0, Sources.Length).SelectMany(s => Enumerable.Range(0, 3).Select(i => $"inset{s}_{i}")));

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

        private void Clip(string name, params string[] args) =>
            VideoClips.Ffmpeg([.. args, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", Path(name)]);
    }

    private readonly Fixture _fixture = fixture;

    [Fact]
    public void Windows_are_the_whole_frame_then_3x3_5x5_7x7_half_steps_of_halves_thirds_quarters()
    {
        var windows = InsetFeatureExtractor.CreateWindows(240);
        windows.Should().HaveCount(1 + 9 + 25 + 49);
        windows[0].Should().Be(new DnS.Core.Features.BuiltIn.PixelRect(0, 240, 0, 240));
        windows.Skip(1).Take(9).Should().OnlyContain(w => w.Width == 120 && w.Height == 120 && w.Left % 60 == 0 && w.Top % 60 == 0);
        windows.Skip(10).Take(25).Should().OnlyContain(w => w.Width == 80 && w.Height == 80 && w.Left % 40 == 0 && w.Top % 40 == 0);
        windows.Skip(35).Should().OnlyContain(w => w.Width == 60 && w.Height == 60 && w.Left % 30 == 0 && w.Top % 30 == 0 && w.Right <= 240 && w.Bottom <= 240);
        // Row-major per scale: the last window of each scale is the bottom-right one.
        (windows[9].Right, windows[9].Bottom, windows[34].Right, windows[34].Bottom, windows[83].Right, windows[83].Bottom).Should().Be((240, 240, 240, 240, 240, 240));
    }

    [Fact]
    public async Task Stretch_decoding_keeps_the_corners_that_the_center_crop_drops()
    {
        // Red 320×180 with a blue 40×40 box in the top-left corner.
        string path = System.IO.Path.Combine(_fixture.Directory, "corner.mp4");
        VideoClips.Ffmpeg("-f", "lavfi", "-i", "color=red:s=320x180:r=5:d=1,drawbox=x=0:y=0:w=40:h=40:color=blue:t=fill", "-c:v", "libx264", "-pix_fmt", "yuv444p", path);
        var stretch = await FirstFrame(path, new VideoDecodingOptions { Resize = ResizeMethod.Stretch, ResizeShortSide = 240, CropSize = 240 });
        var crop = await FirstFrame(path, new VideoDecodingOptions());

        // Stretched 320×180 → 240×240: the box covers x < 30, y < 53. Blue shows as (R, B) normalized = (low, high).
        (stretch.Height, stretch.Width).Should().Be((240, 240));
        Pixel(stretch, 10, 10).Should().Be((false, true), "the corner box is kept whole");
        Pixel(stretch, 120, 120).Should().Be((true, false));
        // The reference center crop of 224 from 398×224 starts at x = 87: no blue anywhere.
        for (int y = 0; y < 224; y += 8)
            for (int x = 0; x < 224; x += 8)
                Pixel(crop, y, x).Should().Be((true, false));
    }

    [Fact]
    public async Task Insets_at_a_quarter_ninth_and_sixteenth_of_the_area_rank_first_by_the_inset_score()
    {
        var names = _fixture.Names.ToArray();
        using var inset = new InsetFeatureExtractor();
        using var builtIn = new BuiltInFeatureExtractor();
        var insetFeatures = new Dictionary<string, RegionFeatures>();
        var builtInFeatures = new Dictionary<string, RegionFeatures>();
        foreach (string name in names)
        {
            insetFeatures[name] = await inset.ExtractAsync(_fixture.Path(name));
            builtInFeatures[name] = await builtIn.ExtractAsync(_fixture.Path(name));
        }
        insetFeatures["source0"].Regions.Should().Be(84);
        var chamfer = DnsModels.BuiltIn(9, 128).Fine;
        double insetAp = 0, chamferAp = 0;
        for (int s = 0; s < Sources.Length; s++)
        {
            string query = $"source{s}";
            var others = names.Where(n => n != query).ToArray();
            var relevant = Enumerable.Range(0, 3).Select(i => $"inset{s}_{i}").ToHashSet();
            var byInset = others.ToDictionary(n => n, n => InsetSimilarity.Score(insetFeatures[query], insetFeatures[n]));
            var byChamfer = others.ToDictionary(n => n, n => chamfer.Similarity(Fine(builtInFeatures[query]), Fine(builtInFeatures[n])));
            output.WriteLine($"{query}: inset " + string.Join(", ", byInset.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:F3}")));
            output.WriteLine($"{query}: chamfer " + string.Join(", ", byChamfer.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:F3}")));
            insetAp += AveragePrecision(byInset, relevant) / Sources.Length;
            chamferAp += AveragePrecision(byChamfer, relevant) / Sources.Length;
        }
        output.WriteLine($"mAP: inset {insetAp:F3}, built-in chamfer {chamferAp:F3}");
        insetAp.Should().Be(1.0, "every inset ranks above every other clip");
        chamferAp.Should().BeLessThan(0.8, "the whole-frame regions do not see a shrunk copy");
    }

    [Fact]
    public void Scores_take_the_best_window_position_and_time_offset_in_step()
    {
        var random = new Random(5);
        RegionFeatures Random(int frames) => new([.. Enumerable.Range(0, frames * 4 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1))], frames, 4, 3);
        var a = Random(3);
        var b = Random(5);

        InsetSimilarity.Inside(a, b).Should().BeApproximately(BruteForce(a, b), 1e-5f);
        InsetSimilarity.Inside(b, a).Should().BeApproximately(BruteForce(b, a), 1e-5f);
        InsetSimilarity.Score(a, b).Should().Be(Math.Max(InsetSimilarity.Inside(a, b), InsetSimilarity.Inside(b, a)));
        InsetSimilarity.Score(a, b).Should().Be(InsetSimilarity.Score(b, a));
        FluentActions.Invoking(() => InsetSimilarity.Score(a, new RegionFeatures(new float[9 * 3], 1, 9, 3))).Should().Throw<ArgumentException>();
    }

    // The definition, term by term: max over windows w ≥ 1 and offsets δ of the mean over frames i of `video` of the best
    // dot(video[i, 0], container[j, w]) for j in [i + δ − 1, i + δ + 1] inside the container (0 when no such frame), with δ
    // such that some frame i + δ exists (1 − T_video ≤ δ < T_container).
    private static float BruteForce(RegionFeatures video, RegionFeatures container)
    {
        float Dot(int i, int j, int w) => Enumerable.Range(0, video.Dimensions)
            .Sum(k => video.Values[i * video.Regions * video.Dimensions + k] * container.Values[(j * container.Regions + w) * container.Dimensions + k]);
        float best = float.NegativeInfinity;
        for (int w = 1; w < container.Regions; w++)
            for (int offset = 1 - video.Frames; offset < container.Frames; offset++)
            {
                float mean = Enumerable.Range(0, video.Frames).Select(i =>
                {
                    var partners = Enumerable.Range(i + offset - 1, 3).Where(j => j >= 0 && j < container.Frames).ToList();
                    return partners.Count == 0 ? 0f : partners.Max(j => Dot(i, j, w));
                }).Average();
                best = Math.Max(best, mean);
            }
        return best;
    }

    private static FineFeatures Fine(RegionFeatures f) => FineFeatures.Wrap(f.Values, f.Regions, f.Dimensions);

    // AP over a ranking of every other clip (no ties expected between real scores).
    private static double AveragePrecision(Dictionary<string, float> scores, HashSet<string> relevant)
    {
        double sum = 0;
        int hits = 0, rank = 0;
        foreach (var (name, _) in scores.OrderByDescending(p => p.Value))
        {
            rank++;
            if (relevant.Contains(name)) sum += ++hits / (double)rank;
        }
        return sum / relevant.Count;
    }

    private static async Task<FrameBatch> FirstFrame(string path, VideoDecodingOptions options)
    {
        await foreach (var batch in new VideoFrameDecoder(options).DecodeAsync(path))
            return batch with { Pixels = batch.Pixels.ToArray() };
        throw new InvalidOperationException("no frame");
    }

    // (red high, blue high) of a pixel in ImageNet-normalized NCHW: red → (R ≈ 2.2, B ≈ −1.8), blue → (R ≈ −2.1, B ≈ 2.6).
    private static (bool Red, bool Blue) Pixel(FrameBatch frame, int y, int x)
    {
        int plane = frame.Height * frame.Width;
        var pixels = frame.Pixels.Span;
        return (pixels[y * frame.Width + x] > 1f, pixels[2 * plane + y * frame.Width + x] > 1f);
    }
}
