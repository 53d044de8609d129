using DnS.Cli;
using System.ComponentModel;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console.Cli;

namespace DnS.Cluster.Host;

/// <summary><c>dns-cluster-host silo</c>: one silo of a localhost cluster; the first one (whose silo port is
/// <c>--primary-port</c>) keeps the membership table. Prints <c>ready</c> once it serves; SIGTERM/Ctrl+C stop it cleanly.</summary>
internal sealed class SiloCommand : AsyncCommand<SiloCommand.Settings>
{
    public sealed class Settings : ShardRootSettings
    {
        [CommandOption("--silo-port <PORT>")]
        [Description("Silo-to-silo port (default 11111).")]
        public int SiloPort { get; init; } = 11111;

        [CommandOption("--gateway-port <PORT>")]
        [Description("Port clients connect to (default 30000).")]
        public int GatewayPort { get; init; } = 30000;

        [CommandOption("--primary-port <PORT>")]
        [Description("Silo port of the primary silo (default 11111; the primary passes its own).")]
        public int PrimaryPort { get; init; } = 11111;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var models = await settings.LoadModelsAsync(cancellationToken);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.PrimaryPort), DnsClusterHosting.ClusterId, DnsClusterHosting.ClusterId)
            .AddDnsShards(settings.Root, settings.Shards, models));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        Console.WriteLine($"ready: silo {settings.SiloPort}, gateway {settings.GatewayPort}, {settings.Shards} shards under {Path.GetFullPath(settings.Root)}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await host.StopAsync(TimeSpan.FromSeconds(10));
        return ExitCodes.Success;
    }
}
