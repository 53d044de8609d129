namespace DnS.Core.Networks;

/// <summary>Explicit configuration of a <see cref="FineGrainedStudent"/>; everything else is inferred from the weights.</summary>
public sealed record FineGrainedStudentConfig
{
    /// <summary>
    /// The expected variant; null infers it from the weights (<c>binarization.W</c> → Binary, <c>attention.*</c> →
    /// Attention, neither → ParameterFree). A mismatch with the weights is an error.
    /// </summary>
    public FineGrainedVariant? Variant { get; init; }

    /// <summary>Regions per frame (9 for the L3-iMAC 3×3 grid).</summary>
    public int Regions { get; init; } = 9;

    /// <summary>
    /// D of the parameter-free student, which has no weights to infer it from (512, the DnS PCA size, by default).
    /// The other variants take D from their weights.
    /// </summary>
    public int Dims { get; init; } = 512;

    /// <summary>
    /// Whether the student has the video comparator CNN (<c>visil_head.*</c>, every reference student does). Without it
    /// the video similarity is the chamfer of the frame-to-frame matrix itself: the built-in parameter-free models.
    /// </summary>
    public bool Comparator { get; init; } = true;
}
