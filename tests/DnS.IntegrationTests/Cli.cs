using System.Diagnostics;
using System.Reflection;

namespace DnS.IntegrationTests;

/// <summary>Runs one of the command-line tools (built beside the tests) as a separate process.</summary>
internal sealed class Cli(string assembly)
{
    /// <summary>The search tool: index, search, similarity, eval, info.</summary>
    public static Cli Dns { get; } = new("dns");

    /// <summary>The training tool (libtorch): distill, train teacher|student|selector.</summary>
    public static Cli Train { get; } = new("dns-train");

    public static string SharedRoot { get; } = Path.GetFullPath(
        typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SharedDataDir").Value!);

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts the tool with redirected output and returns the running process (the caller reads and disposes it).</summary>
    public Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, assembly + ".dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        return Process.Start(start)!;
    }
}
