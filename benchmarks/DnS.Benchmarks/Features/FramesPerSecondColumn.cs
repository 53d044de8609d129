using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DnS.Benchmarks.Features;

/// <summary>Throughput column: the benchmark's <c>BatchSize</c> parameter divided by its mean time.</summary>
public sealed class FramesPerSecondColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(FramesPerSecondColumn);

    /// <inheritdoc />
    public string ColumnName => "Frames/s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Statistics;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "Frames per second: BatchSize / Mean";

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0 || benchmarkCase.Parameters["BatchSize"] is not int batchSize)
            return "NA";
        return (batchSize / (meanNanoseconds.Value * 1e-9)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
