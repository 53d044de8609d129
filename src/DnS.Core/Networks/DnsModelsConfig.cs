using System.Text.Json.Serialization;

namespace DnS.Core.Networks;

/// <summary>
/// Which weights files make up a DnS model set and how to build each network — the JSON file
/// <see cref="DnsModels.ConfigFileName"/> beside the weights. Paths are relative to that file's folder; each may be
/// a <c>.safetensors</c> file or an official PyTorch checkpoint (<c>.pth</c>).
/// </summary>
public sealed record DnsModelsConfig
{
    /// <summary>The coarse-grained student's weights.</summary>
    public string CoarseWeights { get; init; } = "dns_cg_student.safetensors";

    /// <summary>Coarse student settings (heads, module flags).</summary>
    public CoarseGrainedStudentConfig Coarse { get; init; } = new();

    /// <summary>The fine-grained student's weights.</summary>
    public string FineWeights { get; init; } = "dns_fg_bin_student.safetensors";

    /// <summary>Fine student settings (expected variant).</summary>
    public FineGrainedStudentConfig Fine { get; init; } = new();

    /// <summary>The selector network's weights, or null for a model set without a selector.</summary>
    public string? SelectorWeights { get; init; } = "dns_selector_cg-fg_bin.safetensors";

    /// <summary>
    /// How re-ranked fine scores merge with coarse scores, or null (the field absent) for
    /// <see cref="FineScoreCalibration.Reference"/>, so the authors' released weights and older folders rank as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FineScoreCalibration? FineCalibration { get; init; }
}
