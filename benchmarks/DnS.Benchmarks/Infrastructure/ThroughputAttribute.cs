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

    /// <summary>Amount of <see cref="Quantity"/> per benchmark invocation.</summary>
    public double PerInvocation { get; } = perInvocation;
}
