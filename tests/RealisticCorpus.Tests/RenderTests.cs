using System.Globalization;
using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>A one-query corpus with every edit, rendered once by real ffmpeg from images ffmpeg draws itself.</summary>
public sealed class RenderedCorpus : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("corpus-render-").FullName;
    internal CorpusPlan Plan { get; private set; } = null!;
    public string Videos => Path.Combine(_folder, "videos");

    public async Task InitializeAsync()
    {
        string[] patterns = ["testsrc2", "smptehdbars", "mandelbrot", "rgbtestsrc", "testsrc", "yuvtestsrc"];
        var files = new List<SourceFile>();
        for (int i = 0; i < patterns.Length; i++)
        {
            var path = Path.Combine(_folder, $"{patterns[i]}.png");
            await Tool.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", $"{patterns[i]}=size=1920x1080", "-frames:v", "1", path], null, default);
            files.Add(new SourceFile($"s{i:D3}", "test", "1", path, path, i < 3 ? SourceCategory.Animation : SourceCategory.Photo, path, 1920, 1080, 0));
        }
        var logo = Path.Combine(_folder, "logo.png");
        await Tool.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=red:size=128x128", "-frames:v", "1", logo], null, default);
        files.Add(new SourceFile("s100", "test", "1", logo, logo, SourceCategory.Logo, logo, 128, 128, 0));
        const string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
        files.Add(new SourceFile("s101", "fonts-dejavu-core", "1", font, font, SourceCategory.Font, font, 0, 0, 0));
        Plan = CorpusPlanner.Create(files, new PlanOptions(Seed: 2, Queries: 1, Distractors: 2, EditsPerQuery: 18, Fps: 5));
        await new ClipRenderer(Plan, Videos, jobs: 2, niceness: 19).RenderAsync(new Progress<string>(), default);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The rendered files, checked with ffprobe and decoded pixels: codecs per container, durations, frame rates, grayscale
/// chroma, the mirror.
/// </summary>
public sealed class RenderTests(RenderedCorpus corpus) : IClassFixture<RenderedCorpus>
{
    private CorpusPlan Plan => corpus.Plan;
    private string Videos => corpus.Videos;

    private ClipPlan Copy(string edit) => Plan.Clips.Single(c => c.Edit == edit);
    private string File(ClipPlan c) => Path.Combine(Videos, c.FileName);

    private static async Task<Dictionary<string, string>> ProbeAsync(string file)
    {
        var text = await Tool.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames",
            "-show_entries", "stream=codec_name,r_frame_rate,width,height,nb_read_frames:format=duration", "-of", "default=nw=1", file], null, default);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2))
            .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
    }

    /// <summary>The frame at <paramref name="seconds"/> as raw planar YUV 4:2:0 bytes at 480×270.</summary>
    private static async Task<byte[]> FrameAsync(string file, double seconds)
    {
        var raw = Path.ChangeExtension(file, $".{seconds.ToString(CultureInfo.InvariantCulture)}.yuv");
        await Tool.RunAsync("ffmpeg", ["-v", "error", "-y", "-ss", seconds.ToString(CultureInfo.InvariantCulture), "-i", file,
            "-frames:v", "1", "-vf", "scale=480:270", "-pix_fmt", "yuv420p", "-f", "rawvideo", raw], null, default);
        return await System.IO.File.ReadAllBytesAsync(raw);
    }

    [Fact]
    public async Task Every_clip_is_rendered_in_its_container_and_codec()
    {
        var expected = new Dictionary<string, string>
        {
            ["mp4"] = "h264", ["mkv"] = "h264", ["webm"] = "vp8", ["avi"] = "mpeg4", ["ogv"] = "theora", ["gif"] = "gif",
        };
        // The query is artwork (no CS/IS views): itself, 2 distractors, 18 edits, a partial copy.
        Plan.Clips.Should().HaveCount(1 + 2 + 18 + 1);
        foreach (var clip in Plan.Clips)
        {
            var probe = await ProbeAsync(File(clip));
            probe["codec_name"].Should().Be(expected[clip.Extension], clip.Edit);
        }
        Directory.EnumerateFiles(Videos, "*.partial.*").Should().BeEmpty();
    }

    [Fact]
    public async Task Durations_and_frame_rates_follow_the_edits()
    {
        var query = Plan.Clips.Single(c => c.Role == "query");
        double Seconds(Dictionary<string, string> p) => double.Parse(p["duration"], CultureInfo.InvariantCulture);
        Seconds(await ProbeAsync(File(query))).Should().BeApproximately(query.Duration, 0.25);
        var speed = Copy("speed");
        double factor = double.Parse(speed.Parameters["factor"], CultureInfo.InvariantCulture);
        Seconds(await ProbeAsync(File(speed))).Should().BeApproximately(query.Duration / factor, 0.5);
        var partial = Copy(EditKinds.Partial);
        Seconds(await ProbeAsync(File(partial))).Should().BeApproximately(double.Parse(partial.Parameters["length"], CultureInfo.InvariantCulture), 0.5);
        var fps = Copy("fps");
        (await ProbeAsync(File(fps)))["r_frame_rate"].Should().Be($"{fps.Parameters["fps"]}/1");
        foreach (var inset in Plan.Clips.Where(c => c.Edit.StartsWith("inset", StringComparison.Ordinal)))
            Seconds(await ProbeAsync(File(inset))).Should().BeApproximately(query.Duration, 0.5, "the looped background is cut at the query's end");
    }

    [Fact]
    public async Task Gray_copy_has_no_chroma_and_flip_is_the_mirror_of_the_query()
    {
        var query = Plan.Clips.Single(c => c.Role == "query");
        const int w = 480, h = 270, luma = w * h;
        var gray = await FrameAsync(File(Copy("gray")), 1);
        gray.AsSpan(luma).ToArray().Should().AllSatisfy(b => ((int)b).Should().BeInRange(126, 130));
        var original = await FrameAsync(File(query), 1);
        original.AsSpan(luma).ToArray().Count(b => Math.Abs(b - 128) > 8).Should().BeGreaterThan(luma / 20, "the source is colored");

        var flipped = await FrameAsync(File(Copy("flip")), 1);
        double mirrored = 0, straight = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                mirrored += Math.Abs(flipped[y * w + x] - original[y * w + (w - 1 - x)]);
                straight += Math.Abs(flipped[y * w + x] - original[y * w + x]);
            }
        (mirrored / luma).Should().BeLessThan(6, "the flip copy is the query mirrored (up to re-encoding)");
        (straight / luma).Should().BeGreaterThan(3 * mirrored / luma);
    }
}
