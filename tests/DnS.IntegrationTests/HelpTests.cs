using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>Every command of both tools prints its help: option descriptions are Spectre.Console markup, where an
/// unescaped "[...]" (e.g. "host:port[,host:port...]") makes the help page fail with a markup error instead.</summary>
public sealed partial class HelpTests
{
    public static TheoryData<string> Tools => ["dns", "dns-train"];

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Every_command_prints_its_help_page(string tool)
    {
        var cli = tool == "dns" ? Cli.Dns : Cli.Train;
        var pages = new List<string>();
        await VisitAsync([]);
        pages.Should().Contain(tool == "dns" ? ["index", "search", "similarity", "eval", "info", "cluster"] : ["distill", "train student", "text head"],
            "the walk follows the COMMANDS sections down to every leaf command");

        async Task VisitAsync(string[] path)
        {
            var (code, output, error) = await cli.RunAsync([.. path, "--help"]);
            string page = string.Join(' ', path);
            code.Should().Be(0, $"'{tool} {page} --help' must print its help, not fail: {error}");
            error.Should().BeEmpty();
            output.Should().Contain("USAGE:");
            pages.Add(page);
            int commands = output.IndexOf("COMMANDS:", StringComparison.Ordinal);
            if (commands < 0) return;
            foreach (Match m in CommandLine().Matches(output[commands..]))
                await VisitAsync([.. path, m.Groups[1].Value]);
        }
    }

    // A command's row in a COMMANDS section: four spaces, its name, then its arguments or its description.
    [GeneratedRegex(@"^ {4}([a-z][a-z-]*)(?= )", RegexOptions.Multiline)]
    private static partial Regex CommandLine();
}
