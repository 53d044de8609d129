namespace DnS.Training.Data;

/// <summary>How a <see cref="FeatureSetBuilder"/> runs.</summary>
public sealed record FeatureSetBuilderOptions
{
    /// <summary>Videos extracted at once (each decodes with its own ffmpeg process). Default 2.</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Extracted videos per commit: a crash loses at most this many. Default 16.</summary>
    public int CommitEvery { get; init; } = 16;
}
