using System.IO.Hashing;
using System.Text;

namespace DnS.Cluster;

/// <summary>Which shard holds a video: XxHash32 (seed 0) of the id's UTF-8 bytes, modulo the shard count. Stable across
/// processes, machines and .NET versions (string.GetHashCode is not), so every client routes an id to the same shard.</summary>
public static class ShardRouting
{
    /// <summary>The shard of <paramref name="id"/> in a cluster of <paramref name="shards"/> shards.</summary>
    /// <exception cref="ArgumentException">The id is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is not positive.</exception>
    public static int ShardOf(string id, int shards)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        return (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(id)) % (uint)shards);
    }
}
