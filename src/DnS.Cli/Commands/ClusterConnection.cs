using System.Net.Sockets;
using DnS.Cluster;
using DnS.Core.Library;
using DnS.Core.Retrieval;

namespace DnS.Cli.Commands;

/// <summary>How the commands talk to a DnS cluster: a connection or shard failure becomes one line naming the cluster
/// (exit 1); a partial search result names its missing shards on stderr (exit 3).</summary>
internal static class ClusterConnection
{
    public static Task<DnsClusterClient> ConnectAsync(string endpoints, CancellationToken cancellationToken) =>
        RunAsync(endpoints, () => DnsClusterHosting.ConnectAsync(endpoints, cancellationToken: cancellationToken));

    public static async Task<T> RunAsync<T>(string endpoints, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is OrleansException or SocketException or TimeoutException or ShardUnavailableException)
        {
            throw new InvalidOperationException($"DnS cluster at {endpoints}: {e.Message}", e);
        }
    }

    /// <summary>Names the shards a search went without; the exit code says whether any did.</summary>
    public static int ReportMissing(ClusterSearchResult result)
    {
        foreach (var missing in result.MissingShards)
            Console.Error.WriteLine($"partial: query {result.Result.QueryId}: shard {missing.Shard} missing: {missing.Reason}");
        return result.IsPartial ? ExitCodes.SomeFailed : ExitCodes.Success;
    }

    /// <summary><c>--policy</c>, else the library's default without the inset stage, else <see cref="VideoLibrary.DefaultVideoPolicy"/>.</summary>
    /// <exception cref="FormatException">The policy is malformed, or asks for the inset stage (shards hold no inset side).</exception>
    public static SelectorPolicy Policy(string? policy, VideoLibrary? library)
    {
        var parsed = policy is not null ? SelectorPolicy.Parse(policy) : (library?.DefaultPolicy ?? VideoLibrary.DefaultVideoPolicy).WithInsets(false);
        return parsed.Insets ? throw new FormatException($"policy '{policy}': a cluster's shards hold no inset side; search the index with +insets instead") : parsed;
    }

    /// <summary>Searches the cluster with a query video (extracted with <paramref name="library"/>) or an indexed id.</summary>
    /// <exception cref="KeyNotFoundException">A video file without a library to extract it, or an id the cluster does not hold.</exception>
    public static Task<ClusterSearchResult> SearchAsync(DnsClusterClient cluster, string endpoints, VideoLibrary? library, string query, SelectorPolicy policy, int top,
        CancellationToken cancellationToken) =>
        RunAsync(endpoints, async () => File.Exists(query)
            ? await cluster.SearchAsync(
                await (library ?? throw new KeyNotFoundException($"{query}: a query video needs --index, the library whose features and networks built the cluster's records"))
                    .CreateQueryAsync(query, cancellationToken: cancellationToken), policy, top, cancellationToken)
            : await cluster.SearchAsync(query, policy, top, cancellationToken));
}
