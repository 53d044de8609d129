namespace DnS.Training.Distillation;

/// <summary>The steps of <see cref="DistillationPipeline"/>, in order.</summary>
public enum DistillationStage
{
    /// <summary>Mining anchors, positives and negatives with the first teacher.</summary>
    Mining,

    /// <summary>Scoring the mined pairs with every teacher (cached on disk).</summary>
    TeacherScoring,

    /// <summary>Training the fine-grained student.</summary>
    FineStudent,

    /// <summary>Training the coarse-grained student.</summary>
    CoarseStudent,

    /// <summary>Ranking the corpus for the held-out anchors with the teacher, the students and the parameter-free models.</summary>
    SelfCheck,

    /// <summary>Training the selector.</summary>
    Selector,

    /// <summary>Writing the model folder.</summary>
    Export,
}
