using System.Text.Json;
using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Modules;

namespace DnS.Training.Weights;

/// <summary>
/// Writes trained networks as a DnS model folder that <see cref="DnsModels.Load(string)"/> opens: one safetensors file
/// per network under the reference's file names and <see cref="DnsModels.ConfigFileName"/> describing them (heads and
/// modules of the coarse student; variant, R and D of the fine student; how their scores merge).
/// </summary>
public static class ModelFolderWriter
{
    /// <summary>The coarse student's file.</summary>
    public const string CoarseFileName = "dns_cg_student.safetensors";

    /// <summary>The fine student's file for a variant: <c>dns_fg_att_student</c>, <c>dns_fg_bin_student</c> or <c>dns_fg_pf_student</c>.</summary>
    public static string FineFileName(FineGrainedVariant variant) => $"dns_fg_{Tag(variant)}_student.safetensors";

    /// <summary>The selector's file for the fine variant it selects for: <c>dns_selector_cg-fg_att</c>, and so on.</summary>
    public static string SelectorFileName(FineGrainedVariant variant) => $"dns_selector_cg-fg_{Tag(variant)}.safetensors";

    /// <summary>The configuration that describes these networks in a folder written by <see cref="WriteAsync"/>.</summary>
    /// <param name="coarse">The coarse student.</param>
    /// <param name="fine">The fine student, or null for the parameter-free region chamfer.</param>
    /// <param name="hasSelector">Whether the folder has a selector.</param>
    /// <param name="regions">R, regions per frame of the features the networks were trained on.</param>
    /// <param name="fineCalibration">How the fine student's scores merge with the coarse student's, or null for none (the reference mapping).</param>
    public static DnsModelsConfig Describe(CoarseGrainedStudentModule coarse, FineGrainedStudentModule? fine, bool hasSelector, int regions, FineScoreCalibration? fineCalibration)
    {
        var variant = fine?.Variant ?? FineGrainedVariant.ParameterFree;
        return new()
        {
            CoarseWeights = CoarseFileName,
            Coarse = new CoarseGrainedStudentConfig
            {
                TransformerHeads = checked((int)coarse.Heads),
                Attention = coarse.HasAttention,
                Transformer = coarse.HasTransformer,
                NetVlad = coarse.HasNetVlad,
                Regions = regions,
            },
            FineWeights = FineFileName(variant),
            Fine = new FineGrainedStudentConfig { Variant = variant, Regions = regions, Dims = checked((int)(fine?.Dims ?? coarse.Dims)), Comparator = fine is not null },
            SelectorWeights = hasSelector ? SelectorFileName(variant) : null,
            FineCalibration = fineCalibration,
        };
    }

    /// <summary>Exports the networks and writes the configuration into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="coarse">The coarse student.</param>
    /// <param name="fine">The fine student, or null to re-rank with the parameter-free region chamfer (a weights file without tensors).</param>
    /// <param name="selector">The selector, or null for a folder without one (re-rank the top-K).</param>
    /// <param name="regions">R, regions per frame of the features the networks were trained on.</param>
    /// <param name="fineCalibration">How the fine student's scores merge with the coarse student's (<see cref="Distillation.DistillationOptions.FineCalibration"/>), or null for none (the reference mapping).</param>
    /// <param name="cancellationToken">Cancels between files.</param>
    /// <returns>The configuration written.</returns>
    /// <exception cref="ArgumentException">The networks disagree on D.</exception>
    public static async Task<DnsModelsConfig> WriteAsync(string directory, CoarseGrainedStudentModule coarse, FineGrainedStudentModule? fine, SelectorNetworkModule? selector, int regions,
        FineScoreCalibration? fineCalibration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(coarse);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regions);
        long fineDims = fine?.Dims ?? coarse.Dims;
        if (coarse.Dims != fineDims || (selector is not null && selector.Dims != coarse.Dims))
            throw new ArgumentException($"the networks disagree on D: coarse {coarse.Dims}, fine {fineDims}{(selector is null ? "" : $", selector {selector.Dims}")}", nameof(fine));
        Directory.CreateDirectory(directory);
        var config = Describe(coarse, fine, selector is not null, regions, fineCalibration);
        await coarse.ExportSafeTensorsAsync(Path.Combine(directory, config.CoarseWeights), cancellationToken).ConfigureAwait(false);
        if (fine is null) await new SafeTensorsWriter().WriteAsync(Path.Combine(directory, config.FineWeights), cancellationToken).ConfigureAwait(false);
        else await fine.ExportSafeTensorsAsync(Path.Combine(directory, config.FineWeights), cancellationToken).ConfigureAwait(false);
        if (selector is not null) await selector.ExportSafeTensorsAsync(Path.Combine(directory, config.SelectorWeights!), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, DnsModels.ConfigFileName), JsonSerializer.Serialize(config, DnsModels.JsonOptions), cancellationToken).ConfigureAwait(false);
        return config;
    }

    private static string Tag(FineGrainedVariant variant) => variant switch
    {
        FineGrainedVariant.Attention => "att",
        FineGrainedVariant.Binary => "bin",
        _ => "pf",
    };
}
