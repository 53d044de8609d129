using System.Runtime.InteropServices;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;
using DnS.Core.Storage;
using DnS.Core.Text;
using DnS.Core.Weights;
using Spectre.Console.Cli;

namespace DnS.Cli;

/// <summary>
/// Runs a tool's commands under the contract both tools share: Ctrl+C (SIGINT) and SIGTERM cancel the command, so
/// it commits its finished work and exits with <see cref="ExitCodes.Failure"/> (a second signal ends the process at
/// once); a usage error exits with <see cref="ExitCodes.Usage"/>; an expected failure — a bad file, model or video,
/// named in the message — prints one line instead of a stack trace and exits with <see cref="ExitCodes.Failure"/>.
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
        // systemd, containers and `timeout` stop a process with SIGTERM: handled like Ctrl+C, not as an abrupt exit.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, cancel));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, cancel));
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
            Console.Error.WriteLine("canceled");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException
                                      or ArgumentException or InvalidOperationException or KeyNotFoundException
                                      or StoreCorruptException or WeightsFormatException or System.Text.Json.JsonException
                                      or VideoDecodingException or BackboneModelException or ClipModelException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return e is FormatException or ArgumentException ? ExitCodes.Usage : ExitCodes.Failure;
        }
    }

    // The first signal asks the command to stop (it commits what it finished); a second one is not held back.
    private static void OnSignal(PosixSignalContext context, CancellationTokenSource cancel)
    {
        if (cancel.IsCancellationRequested) return;
        context.Cancel = true;
        Console.Error.WriteLine($"{context.Signal}: stopping after committing finished work (send it again to quit at once)");
        cancel.Cancel();
    }
}
