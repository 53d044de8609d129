using DnS.Samples.Corpus;
using DnS.Training.Distillation;

namespace DistillationStudy;

/// <summary>Every number of the study (serialized as distillation.json).</summary>
internal sealed record StudyResult(
    string Command,
    int TrainingVideos,
    int EvaluationVideos,
    double SelfSupervisedSeconds,
    int SelfSupervisedSteps,
    IReadOnlyDictionary<string, double> TeacherMeanAveragePrecision,
    IReadOnlyList<StudyResult.RunResult> Runs,
    IReadOnlyList<TradeOffRow> Retrieval,
    TimeSpan Elapsed,
    long PeakWorkingSetBytes)
{
    /// <summary>One distillation: its training report and its selector's accuracy on the evaluation pairs.</summary>
    /// <param name="WallSeconds">This process's wall time for the run, including resumed attempts.</param>
    /// <param name="Resumptions">Attempts that failed in libtorch and were resumed from the last checkpoint.</param>
    public sealed record RunResult(string Name, string Description, DistillationReport Training, SelectorAccuracy.Result EvaluationSelector, string ModelFolder,
        double WallSeconds, int Resumptions);

    public double Map(string configuration) => Retrieval.First(r => r.Configuration == configuration).MeanAveragePrecision;
}
