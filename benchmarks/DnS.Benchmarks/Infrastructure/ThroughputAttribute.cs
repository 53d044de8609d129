namespace DnS.Benchmarks.Infrastructure;

/// <summary>
/// Declares how much work one invocation of a benchmark method does, so <see cref="ThroughputColumn"/> can
/// turn BenchmarkDotNet's mean time into a rate: rate = <see cref="PerInvocation"/> / mean time.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ThroughputAttribute(Quantity quantity, double perInvocation) : Attribute
{
    /// <summary>The counted quantity.</summary>
    public Quantity Quantity { get; } = quantity;

    /// <summary>Amount of <see cref="Quantity"/> per benchmark invocation (per thread when <see cref="PerThread"/>).</summary>
    public double PerInvocation { get; } = perInvocation;

    /// <summary>
    /// True when every one of the case's <c>Threads</c> parameter threads does <see cref="PerInvocation"/> (the FMA peak loops),
    /// so the column multiplies by that parameter.
    /// </summary>
    public bool PerThread { get; init; }

    /// <summary>
    /// Name of an int parameter of the case (e.g. <c>Queries</c>) that multiplies <see cref="PerInvocation"/>, for
    /// suites whose work per invocation grows with that parameter.
    /// </summary>
    public string? PerParameter { get; init; }
}
