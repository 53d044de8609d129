using System.Diagnostics;
using System.Text.Json;
using DnS.Core.Text;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>dns-train's text commands on five ffmpeg-made clips with ../shared/golden-text as the CLIP model: train, resume, load the weights in DnS.Core.</summary>
public sealed class TextTrainTests : IDisposable
{
    private static readonly string Model = Path.Combine(Cli.SharedRoot, "golden-text");
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-text-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Text_distill_trains_resumes_and_writes_weights_DnS_Core_loads()
    {
        string videos = MakeVideos();
        string queries = Path.Combine(_folder, "queries.txt");
        await File.WriteAllLinesAsync(queries, ["colored bars", "a fractal zoom", "", "red green and blue stripes", "a clock counting", "orange cells", "rainbow", "static"]);
        string output = Path.Combine(_folder, "fast");

        var (code, stdout, error) = await Cli.Train.RunAsync("text", "distill", "--videos", videos, "--text-model", Model, "--queries", queries, "--output", output, "--steps", "12", "--batch", "4");
        code.Should().Be(0, error);
        stdout.Should().Contain("distilled on 5 videos and 6 queries (1 held out), 12 steps").And.Contain("held-out queries: Spearman");
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "text-distill-report.json"))).RootElement;
        report.GetProperty("steps").GetInt64().Should().Be(12);
        report.GetProperty("heldOutAfter").GetProperty("spearman").GetDouble().Should().BeInRange(-1, 1);
        var pooling = LearnedFramePooling.Load(Path.Combine(output, "text-pooling.safetensors"));
        pooling.Dimension.Should().Be(64);
        byte[] first = await File.ReadAllBytesAsync(Path.Combine(output, "text-pooling.safetensors"));

        // More steps later continue from the checkpoint in work/ instead of starting over.
        (code, stdout, error) = await Cli.Train.RunAsync("text", "distill", "--videos", videos, "--text-model", Model, "--queries", queries, "--output", output, "--steps", "20", "--batch", "4");
        code.Should().Be(0, error);
        stdout.Should().Contain("resumed from the checkpoint at step 12").And.Contain("20 steps");
        (await File.ReadAllBytesAsync(Path.Combine(output, "text-pooling.safetensors"))).Should().NotEqual(first);
    }

    [Fact]
    public async Task Text_head_trains_on_captions_and_bad_inputs_exit_with_usage_or_failure_codes()
    {
        string videos = MakeVideos();
        string captions = Path.Combine(_folder, "captions.json");
        await File.WriteAllTextAsync(captions, """
            {"testsrc2": ["a test card with a counter", "colored bars and a clock"], "mandelbrot": ["a fractal zoom", "swirling colors"],
             "rgbtestsrc": ["red green and blue stripes", "three bands"], "smptehdbars": ["bars changing hue"], "unknown": ["not a video here"]}
            """);
        string head = Path.Combine(_folder, "head", "head.safetensors");
        var (code, stdout, error) = await Cli.Train.RunAsync("text", "head", "--videos", videos, "--text-model", Model, "--captions", captions, "--output", head, "--steps", "10", "--batch", "4");
        code.Should().Be(0, error);
        stdout.Should().Contain("of 4 videos").And.Contain("caption → video R@1");
        CrossAttentionScoring.Load(head).Dimension.Should().Be(64);

        string oneQuery = Path.Combine(_folder, "one.txt");
        await File.WriteAllTextAsync(oneQuery, "just one\n");
        (code, _, error) = await Cli.Train.RunAsync("text", "distill", "--videos", videos, "--text-model", Model, "--queries", oneQuery, "--output", Path.Combine(_folder, "x"));
        code.Should().Be(2);
        error.Should().Contain("one.txt holds 1 queries");
        string twoQueries = Path.Combine(_folder, "two.txt");
        await File.WriteAllTextAsync(twoQueries, "one\ntwo\n");
        (code, _, error) = await Cli.Train.RunAsync("text", "distill", "--videos", videos, "--text-model", _folder, "--queries", twoQueries, "--output", Path.Combine(_folder, "x"));
        code.Should().Be(1);
        error.Should().Contain("config.json").And.NotContain("   at ");
    }

    private string MakeVideos()
    {
        string folder = Path.Combine(_folder, "videos");
        if (Directory.Exists(folder)) return folder;
        Directory.CreateDirectory(folder);
        foreach (var (name, source) in new[]
        {
            ("testsrc2", "testsrc2=size=160x120:rate=10:duration=3"),
            ("mandelbrot", "mandelbrot=size=160x120:rate=10,trim=duration=3"),
            ("smptehdbars", "smptehdbars=size=160x120:rate=10:duration=3,hue=H=2*PI*t/3"),
            ("rgbtestsrc", "rgbtestsrc=size=160x120:rate=10:duration=2"),
            ("cellauto", "cellauto=size=160x120:rate=10:rule=110:seed=5,trim=duration=3"),
        })
            Cli.Ffmpeg("-f", "lavfi", "-i", source, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", Path.Combine(folder, name + ".mp4"));
        return folder;
    }
}
