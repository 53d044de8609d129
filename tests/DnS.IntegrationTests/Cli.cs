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

    /// <summary>
    /// How long a command may run before the test gives up on it: a guard against a hung tool, not a speed check. A
    /// distillation takes about 3 minutes alone, and CI runs every test assembly at once on 2 cores.
    /// </summary>
    public static TimeSpan HangGuard { get; } = TimeSpan.FromMinutes(15);

    public static string SharedRoot { get; } = Path.GetFullPath(
        typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SharedDataDir").Value!);

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs ffmpeg (quiet, overwriting) with the given arguments; throws with its error output when it fails.</summary>
    public static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
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
