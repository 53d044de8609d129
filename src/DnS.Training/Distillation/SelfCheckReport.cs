using System.Text.Json.Serialization;

namespace DnS.Training.Distillation;

/// <summary>What the self-check of a distillation decides on (see <see cref="SelfCheckReport"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SelfCheckMeasure>))]
public enum SelfCheckMeasure
{
    /// <summary>No held-out anchor is labeled: mAP of each model's ranking against the teacher's top results.</summary>
    TeacherAgreement,

    /// <summary>Labels cover at least one held-out anchor: mAP against the labels (<see cref="DistillationOptions.Relevance"/>).</summary>
    LabeledMap,
}

/// <summary>How well one model ranks the whole corpus for the held-out anchors.</summary>
/// <param name="TeacherAgreement">Mean AP against the teacher's top results of each anchor's list.</param>
/// <param name="LabeledMap">Mean AP against the labels over the labeled held-out anchors, or null without labels.</param>
public sealed record HeldOutRanking(double TeacherAgreement, double? LabeledMap);

/// <summary>
/// The self-check of <see cref="DistillationPipeline.RunAsync"/>: the teacher, the distilled students and the parameter-free
/// models (the built-in coarse and fine scores, no learned weights) on the held-out anchors, and whether the students were
/// installed. They are refused when either ranks worse than its parameter-free counterpart by more than
/// <see cref="Tolerance"/> on <see cref="Measure"/>.
/// </summary>
/// <param name="HeldOutAnchors">Held-out anchors (each ranks every other video of the corpus).</param>
/// <param name="LabeledAnchors">Held-out anchors with at least one labeled relevant video.</param>
/// <param name="Measure">What the decision compares.</param>
/// <param name="Tolerance">How far below the parameter-free model a student may rank.</param>
/// <param name="Teacher">The teacher (the fused teacher for several).</param>
/// <param name="FineStudent">The distilled fine student.</param>
/// <param name="CoarseStudent">The distilled coarse student.</param>
/// <param name="ParameterFreeFine">The region chamfer of the raw features.</param>
/// <param name="ParameterFreeCoarse">The cosine of the mean region vectors.</param>
/// <param name="SingleTeachers">Each teacher alone, by name, when several are fused; else empty.</param>
/// <param name="Failures">Why the students were refused, one sentence per failing student; empty when they passed.</param>
public sealed record SelfCheckReport(
    int HeldOutAnchors,
    int LabeledAnchors,
    SelfCheckMeasure Measure,
    double Tolerance,
    HeldOutRanking Teacher,
    HeldOutRanking FineStudent,
    HeldOutRanking CoarseStudent,
    HeldOutRanking ParameterFreeFine,
    HeldOutRanking ParameterFreeCoarse,
    IReadOnlyDictionary<string, HeldOutRanking> SingleTeachers,
    IReadOnlyList<string> Failures)
{
    /// <summary>Whether the students rank at least as well as the parameter-free models (within the tolerance).</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>Whether the coarse student ranks within <see cref="Tolerance"/> of the parameter-free coarse model.</summary>
    public bool CoarseStudentPassed => Score(CoarseStudent) >= Score(ParameterFreeCoarse) - Tolerance;

    /// <summary>Whether the fine student ranks within <see cref="Tolerance"/> of the parameter-free fine model (the region chamfer).</summary>
    public bool FineStudentPassed => Score(FineStudent) >= Score(ParameterFreeFine) - Tolerance;

    /// <summary>What the decision compares for <paramref name="ranking"/>: its labeled mAP or its agreement with the teacher (<see cref="Measure"/>).</summary>
    internal double Score(HeldOutRanking ranking) => Measure == SelfCheckMeasure.LabeledMap ? ranking.LabeledMap!.Value : ranking.TeacherAgreement;
}
