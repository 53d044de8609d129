namespace DnS.Benchmarks.Infrastructure;

/// <summary>What a benchmark's <see cref="ThroughputAttribute"/> counts per invocation.</summary>
public enum Quantity
{
    /// <summary>Floating-point operations (one FMA = 2); shown as GFLOP/s.</summary>
    Flops,

    /// <summary>Region-vector pairs compared (query region × target region); shown as Mpairs/s.</summary>
    RegionPairs,

    /// <summary>Bytes read from memory; shown as GB/s (10^9 bytes).</summary>
    Bytes,

    /// <summary>Queries answered; shown as queries/s.</summary>
    Queries,
}
