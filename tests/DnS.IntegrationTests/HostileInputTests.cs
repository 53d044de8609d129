using System.Diagnostics;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>
/// Inputs a user or an adversary can hand the tool: each gives exit 1 (failure) or 2 (usage) with one line naming the
/// file, or 3 when some videos of a run failed — never a crash with a stack trace (exit 134) or a hang.
/// </summary>
public sealed class HostileInputTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    private string NewPath(string name) => Path.Combine(fixture.Directory, $"{Guid.NewGuid():N}-{name}");

    private async Task<string> IndexOfOneVideoAsync()
    {
        string index = NewPath("index");
        var (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Videos[0].Path, "--index", index);
        code.Should().Be(0, error);
        return index;
    }

    private static void ShouldBeOneLine(string error, string path)
    {
        error.Should().Contain(path);
        error.Should().NotContain("   at ", "an expected failure prints a message, not a stack trace");
    }

    [Theory]
    [InlineData("random")]
    [InlineData("empty")]
    [InlineData("text")]
    public async Task A_garbage_backbone_exits_1_naming_the_file(string kind)
    {
        string backbone = NewPath(kind + ".onnx");
        byte[] bytes = kind switch
        {
            "random" => Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 4096),
            "empty" => [],
            _ => "this is not a model\n"u8.ToArray(),
        };
        await File.WriteAllBytesAsync(backbone, bytes);

        var (code, _, error) = await Cli.Dns.RunAsync("index", fixture.Corpus.Videos[0].Path, "--index", NewPath("index"), "--backbone", backbone);
        code.Should().Be(1, error);
        error.Should().StartWith($"error: Backbone model '{backbone}'");
        ShouldBeOneLine(error, backbone);
    }

    [Theory]
    [InlineData("empty.mp4")]
    [InlineData("noise.mp4")]
    [InlineData("audio.m4a")]
    [InlineData("cut.mp4")]
    public async Task A_bad_query_file_exits_1_naming_the_file(string name)
    {
        string index = await IndexOfOneVideoAsync();
        string query = NewPath(name);
        switch (name)
        {
            case "empty.mp4": await File.WriteAllBytesAsync(query, []); break;
            case "noise.mp4": await File.WriteAllBytesAsync(query, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7919 >> 3)).ToArray()); break;
            case "audio.m4a": Cli.Ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", query); break;
            default: await File.WriteAllBytesAsync(query, (await File.ReadAllBytesAsync(fixture.Corpus.Videos.First(v => v.Path.EndsWith(".mp4")).Path))[..2000]); break;
        }

        var (code, _, error) = await Cli.Dns.RunAsync("search", query, "--index", index);
        code.Should().Be(1, error);
        error.Should().StartWith($"error: {query}: ");
        ShouldBeOneLine(error, query);
    }

    [Theory]
    [InlineData("topk:1e10")]
    [InlineData("topk:NaN")]
    [InlineData("dns:2")]
    [InlineData("threshold:-1")]
    public async Task A_bad_policy_is_a_usage_error(string policy)
    {
        string index = await IndexOfOneVideoAsync();
        var (code, _, error) = await Cli.Dns.RunAsync("search", fixture.Corpus.Videos[0].Id, "--index", index, "--policy", policy);
        code.Should().Be(2, error);
        error.Should().Contain($"policy '{policy}'").And.NotContain("   at ");
    }

    [Fact]
    public async Task Link_loops_are_not_followed_and_a_fifo_fails_alone()
    {
        if (OperatingSystem.IsWindows()) return;
        string folder = NewPath("loops");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.Copy(fixture.Corpus.Videos[0].Path, Path.Combine(folder, "sub", "a" + Path.GetExtension(fixture.Corpus.Videos[0].Path)));
        File.CreateSymbolicLink(Path.Combine(folder, "self1"), ".");
        File.CreateSymbolicLink(Path.Combine(folder, "sub", "self2"), "..");
        string fifo = Path.Combine(folder, "pipe.mp4");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();

        var (code, output, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", folder, "--index", NewPath("index"));
        code.Should().Be(3, error);
        output.Should().Contain("indexed 1 of 2 videos");
        error.Should().Contain($"{fifo}: is a FIFO (named pipe), not a regular file");
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../outside.safetensors")]
    public async Task A_model_folder_pointing_outside_itself_is_refused(string weights)
    {
        string models = NewPath("models");
        Directory.CreateDirectory(models);
        string config = Path.Combine(models, "dns-models.json");
        await File.WriteAllTextAsync(config, $$"""{ "coarseWeights": "{{weights}}" }""");

        var (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Videos[0].Path, "--index", NewPath("index"), "--models", models);
        code.Should().Be(1, error);
        error.Should().Contain($"{config}: coarseWeights '{weights}' is outside the model folder");
        ShouldBeOneLine(error, config);
    }

    [Fact]
    public async Task A_crafted_pickle_as_weights_exits_1_naming_the_file()
    {
        string models = NewPath("models");
        Directory.CreateDirectory(models);
        await File.WriteAllTextAsync(Path.Combine(models, "dns-models.json"), """{ "coarseWeights": "evil.pth" }""");
        string evil = Path.Combine(models, "evil.pth");
        // 15 bytes: PROTO 2, BINUNICODE with a 0xFFFFFFFF length, filler.
        await File.WriteAllBytesAsync(evil, [0x80, 0x02, (byte)'X', 0xff, 0xff, 0xff, 0xff, .. "aaaaaaaa"u8.ToArray()]);

        var (code, _, error) = await Cli.Dns.RunAsync("index", "--features", "builtin", fixture.Corpus.Videos[0].Path, "--index", NewPath("index"), "--models", models);
        code.Should().Be(1, error);
        error.Should().StartWith($"error: {evil}: ").And.Contain("a length of 4294967295 bytes runs past the end of the data");
        ShouldBeOneLine(error, evil);
    }
}
