using Spectre.Console.Cli;

namespace DnS.Cli;

/// <summary>
/// Runs a tool's commands under the contract both tools share: Ctrl+C cancels, a usage error exits with
/// <see cref="ExitCodes.Usage"/>, an expected failure prints one line instead of a stack trace.
/// </summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(string applicationName, Action<IConfigurator> configure, string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName(applicationName);
            config.PropagateExceptions();
            configure(config);
        });

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return await app.RunAsync(args, cancel.Token);
        }
        catch (CommandAppException e)
        {
            Console.Error.WriteLine($"usage error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException
                                      or ArgumentException or InvalidOperationException or KeyNotFoundException
                                      or DnS.Core.Storage.StoreCorruptException or DnS.Core.Weights.WeightsFormatException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e is FormatException or ArgumentException ? ExitCodes.Usage : ExitCodes.Failure;
        }
    }
}
