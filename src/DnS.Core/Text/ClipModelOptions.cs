using DnS.Core.Features.Backbone;

namespace DnS.Core.Text;

/// <summary>How <see cref="ClipModel"/> runs its towers.</summary>
public sealed record ClipModelOptions
{
    /// <summary>
    /// Threads and execution provider for both towers, with the same meaning and CUDA fallback as for the backbone.
    /// Its input and stage names must stay null: a CLIP folder names its tensors in config.json.
    /// </summary>
    public OnnxBackboneOptions Runtime { get; init; } = new();

    /// <summary>Texts or frames per ONNX Runtime call (default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Frames per second sampled from a video by <see cref="ClipModel.EncodeFileAsync"/> (default 1).</summary>
    public double FramesPerSecond { get; init; } = 1.0;

    /// <summary>Folder holding ffmpeg and ffprobe; null searches the PATH.</summary>
    public string? FfmpegFolder { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Runtime);
        if (Runtime.InputName is not null || Runtime.StageOutputNames is not null)
            throw new ArgumentException("ClipModelOptions.Runtime must not name inputs or stages; a CLIP folder names its tensors in config.json.", nameof(Runtime));
        Runtime.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (!(FramesPerSecond > 0) || double.IsInfinity(FramesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "must be a positive finite number");
    }
}
