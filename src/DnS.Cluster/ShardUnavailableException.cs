namespace DnS.Cluster;

/// <summary>A shard's store could not be opened on the silo that activated its grain (its folder is missing or damaged,
/// or another process holds its lock). The client treats it as a shard that is down: it retries until
/// <see cref="DnsClusterOptions.ShardWait"/> runs out, then reports the shard missing.</summary>
[GenerateSerializer, Alias("DnS.Cluster.ShardUnavailableException")]
public sealed class ShardUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ShardUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ShardUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ShardUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
