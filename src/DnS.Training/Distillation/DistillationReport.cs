using System.Text.Json;
using System.Text.Json.Serialization;

namespace DnS.Training.Distillation;

/// <summary>The outcome of <see cref="DistillationPipeline.RunAsync"/> (also written as <c>distill-report.json</c> into the model folder).</summary>
/// <param name="Videos">Videos in the training corpus.</param>
/// <param name="Anchors">Anchors trained on (the held-out anchors are not counted).</param>
/// <param name="Pairs">Training pairs per kind (positive, anchor negative, distractor; held-out pairs are not counted).</param>
/// <param name="Teachers">The teachers, in fusion order.</param>
/// <param name="Fine">The fine student's training.</param>
/// <param name="Coarse">The coarse student's training.</param>
/// <param name="Selector">The selector's training (null when none was trained).</param>
/// <param name="SelectorAccuracy">The selector's accuracy on its training pairs (overall, label 1, label 0), or null.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
/// <param name="PeakWorkingSetBytes">Peak resident memory of the process.</param>
/// <param name="SelfCheck">The held-out self-check, or null when nothing was held out.</param>
/// <param name="ModelDirectory">Where the models were written: the output folder when installed, else its <see cref="DistillationPipeline.RejectedFolder"/> subfolder.</param>
/// <param name="ChamferFine">Whether the installed folder re-ranks with the parameter-free region chamfer because the fine
/// student ranked the held-out anchors worse (the student is kept in the rejected subfolder).</param>
public sealed record DistillationReport(
    int Videos,
    int Anchors,
    IReadOnlyDictionary<string, int> Pairs,
    IReadOnlyList<string> Teachers,
    StageReport Fine,
    StageReport Coarse,
    StageReport? Selector,
    SelectorEvaluation? SelectorAccuracy,
    TimeSpan Elapsed,
    long PeakWorkingSetBytes,
    SelfCheckReport? SelfCheck,
    string ModelDirectory,
    bool ChamferFine = false)
{
    /// <summary>Whether models were installed into the output folder: the coarse student passed the self-check (or it was skipped).</summary>
    public bool Installed => SelfCheck?.CoarseStudentPassed ?? true;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A selector accuracy without label-1 or label-0 pairs is NaN (tiny corpora): written as "NaN", not a crash.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The report as indented camelCase JSON (the content of <c>distill-report.json</c>); NaN is written as <c>"NaN"</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
