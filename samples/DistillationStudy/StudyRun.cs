using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>One distillation of the study: its teachers and how their scores are fused.</summary>
internal sealed record StudyRun(string Name, string Description, IReadOnlyList<IPairTeacher> Teachers, FusionMethod Fusion);
