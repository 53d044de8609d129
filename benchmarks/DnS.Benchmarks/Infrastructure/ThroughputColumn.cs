using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>
/// One column per <see cref="Quantity"/>: the [Throughput] amount of the case divided by its measured mean time.
/// Hidden when no benchmark in the summary declares that quantity.
/// </summary>
public sealed class ThroughputColumn(Quantity quantity) : IColumn
{
    /// <inheritdoc/>
    public string Id => "Throughput." + quantity;

    /// <inheritdoc/>
    public string ColumnName => quantity switch
    {
        Quantity.Flops => "GFLOP/s",
        Quantity.RegionPairs => "Mpairs/s",
        Quantity.Queries => "queries/s",
        _ => "GB/s",
    };

    /// <inheritdoc/>
    public bool AlwaysShow => false;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => (int)quantity;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => quantity switch
    {
        Quantity.Flops => "10^9 floating-point operations per second (FMA = 2) = FLOP per invocation / mean time",
        Quantity.RegionPairs => "10^6 region-vector pairs compared per second = pairs per invocation / mean time",
        Quantity.Queries => "queries answered per second = queries per invocation / mean time",
        _ => "10^9 bytes read per second = bytes per invocation / mean time",
    };

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Amount(c) is not null);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var amount = Amount(benchmarkCase);
        var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (amount is null || meanNs is null or <= 0)
            return "-";
        // amount / ns is already "10^9 per second"; pairs are shown in millions, queries as they are.
        var rate = amount.Value / meanNs.Value * quantity switch { Quantity.RegionPairs => 1e3, Quantity.Queries => 1e9, _ => 1.0 };
        return rate.ToString(rate >= 100 ? "F1" : "F2", CultureInfo.InvariantCulture);
    }

    private double? Amount(BenchmarkCase benchmarkCase)
    {
        var declared = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes<ThroughputAttribute>().FirstOrDefault(a => a.Quantity == quantity);
        if (declared is null)
            return null;
        return declared.PerInvocation * (declared.PerThread ? Parameter(benchmarkCase, "Threads") : 1)
            * (declared.PerParameter is { } name ? Parameter(benchmarkCase, name) : 1);
    }

    private static int Parameter(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is int count ? count : 1;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}
