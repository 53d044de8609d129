using DnS.Training.Distillation;

namespace DnS.Cli.Training;

/// <summary>Distillation progress as one console line per stage change or every tenth of a stage: readable in logs and terminals alike.</summary>
internal sealed class ConsoleProgress : IProgress<DistillationProgress>
{
    private DistillationStage? _stage;
    private long _lastPercent = -1;

    public void Report(DistillationProgress p)
    {
        long percent = p.Total == 0 ? 100 : p.Completed * 100 / p.Total;
        if (p.Stage == _stage && percent / 10 == _lastPercent / 10 && p.Completed != p.Total) return;
        _stage = p.Stage;
        _lastPercent = percent;
        string loss = float.IsNaN(p.Loss) ? "" : $" loss {p.Loss:F4}";
        Console.WriteLine($"{p.Stage,-14} {p.Completed}/{p.Total}{loss} ETA {p.Remaining:hh\\:mm\\:ss}");
    }
}
