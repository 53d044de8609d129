using DnS.Core.Library;
using DnS.Core.Networks;

namespace DnS.Cluster.Host;

/// <summary>The networks a silo runs: a model folder, or the networks an index recorded (so that a cluster can serve
/// the records <c>dns cluster index</c> routes from that index, built-in networks included).</summary>
internal static class HostModels
{
    public static async Task<DnsModels> LoadAsync(string folder, CancellationToken cancellationToken)
    {
        // An index folder holds its store's manifest.json; a model folder does not.
        if (File.Exists(Path.Combine(folder, DnsModels.ConfigFileName)) || !File.Exists(Path.Combine(folder, "manifest.json")))
            return DnsModels.Load(folder);
        await using var library = await VideoLibrary.OpenAsync(folder, cancellationToken: cancellationToken);
        return library.Models;
    }
}
