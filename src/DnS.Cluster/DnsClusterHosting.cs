using System.Net;
using System.Net.Sockets;
using DnS.Core.Networks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace DnS.Cluster;

/// <summary>Wires DnS shards into an Orleans silo, and connects clients to such a cluster.</summary>
public static class DnsClusterHosting
{
    /// <summary>The Orleans cluster and service id of every DnS cluster made by <see cref="ConnectAsync"/> and the host program.</summary>
    public const string ClusterId = "dns";

    private static readonly TimeSpan ShardOpenTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Makes the silo serve the shards of the library under <paramref name="root"/>: every silo of a cluster
    /// is configured alike (same root — one machine, or storage all silos reach — same shard count, same networks); each
    /// shard's grain opens its store on whichever silo activates it.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="root">The folder holding <c>cluster.json</c> and the shard stores (created with all shards when new).</param>
    /// <param name="shards">The number of shards; fixed for the life of the root (a silo started with another count is refused).</param>
    /// <param name="models">The networks that index and search the shards.</param>
    public static ISiloBuilder AddDnsShards(this ISiloBuilder silo, string root, int shards, DnsModels models)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(models);
        silo.Services.AddSingleton(new ShardSet(root, shards, models));
        // Opening a shard verifies the checksum of every segment it maps: gigabytes for a large shard, longer than
        // Orleans' default activation timeout on a busy machine.
        silo.Configure<GrainCollectionOptions>(o => o.ActivationTimeout = ShardOpenTimeout);
        return silo;
    }

    /// <summary>Connects to a cluster through its gateways (e.g. <c>localhost:30000</c>, comma-separated for several).</summary>
    /// <param name="gateways">Gateway endpoints, <c>host:port</c> each.</param>
    /// <param name="options">Shard-failure handling and how long to try to connect.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <returns>A client that owns its connection (dispose it to close).</returns>
    /// <exception cref="FormatException">An endpoint is not <c>host:port</c>.</exception>
    /// <exception cref="SocketException">A host name does not resolve.</exception>
    /// <exception cref="OrleansException">No gateway answered within <see cref="DnsClusterOptions.ConnectTimeout"/>.</exception>
    public static async Task<DnsClusterClient> ConnectAsync(string gateways, DnsClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var endpoints = await ParseEndpointsAsync(gateways, cancellationToken).ConfigureAwait(false);
        options ??= new DnsClusterOptions();
        var giveUp = DateTime.UtcNow + options.ConnectTimeout;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(endpoints)
            // A call is bounded by DnsClusterOptions.CallTimeout: a long re-ranking must not be cut at Orleans' default 30 s.
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.CallTimeout)
            // No gateway answering: retry until ConnectTimeout, then fail (Orleans' default would keep trying).
            .UseConnectionRetryFilter(async (_, token) =>
            {
                if (DateTime.UtcNow >= giveUp) return false;
                await Task.Delay(TimeSpan.FromMilliseconds(500), token).ConfigureAwait(false);
                return true;
            })
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId)));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new DnsClusterClient(host.Services.GetRequiredService<IClusterClient>(), options, new HostLifetime(host));
    }

    /// <summary>Parses <c>host:port[,host:port…]</c>, resolving host names.</summary>
    internal static async Task<IPEndPoint[]> ParseEndpointsAsync(string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new FormatException("no cluster endpoint given: use host:port[,host:port...]");
        var endpoints = new IPEndPoint[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            int colon = parts[i].LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(parts[i].AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
                throw new FormatException($"cluster endpoint '{parts[i]}' is not host:port");
            string host = parts[i][..colon];
            var address = IPAddress.TryParse(host, out var parsed) ? parsed
                : (await System.Net.Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                  ?? throw new FormatException($"cluster endpoint '{parts[i]}': {host} has no IPv4 address");
            endpoints[i] = new IPEndPoint(address, port);
        }
        return endpoints;
    }

    private sealed class HostLifetime(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            finally
            {
                host.Dispose();
            }
        }
    }
}
