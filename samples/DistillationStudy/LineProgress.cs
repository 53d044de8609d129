using DnS.Training.Distillation;

namespace DistillationStudy;

/// <summary>One line per stage and every 25 %, with the seconds since the start: readable in a log, and it shows where the time goes.</summary>
internal sealed class LineProgress : IProgress<DistillationProgress>
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private DistillationStage? _stage;
    private long _quarter = -1;

    public void Report(DistillationProgress p)
    {
        long quarter = p.Total == 0 ? 4 : p.Completed * 4 / p.Total;
        if (p.Stage == _stage && quarter == _quarter) return;
        _stage = p.Stage;
        _quarter = quarter;
        string loss = float.IsNaN(p.Loss) ? "" : $" loss {p.Loss:F4}";
        Console.WriteLine($"   {_clock.Elapsed.TotalSeconds,6:F0} s {p.Stage,-14} {p.Completed}/{p.Total}{loss} ETA {p.Remaining:hh\\:mm\\:ss}");
    }
}
