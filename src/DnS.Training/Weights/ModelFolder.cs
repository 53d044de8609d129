using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Distillation;
using DnS.Training.Modules;

namespace DnS.Training.Weights;

/// <summary>
/// A DnS model folder (as <see cref="ModelFolderWriter"/> writes it) loaded back as trainable modules, so single networks
/// can be retrained in place — re-distillation from another teacher, or a new selector — and written out again.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    private ModelFolder(string directory, DnsModelsConfig config, CoarseGrainedStudentModule coarse, FineGrainedStudentModule fine, SelectorNetworkModule? selector)
    {
        Directory = directory;
        Config = config;
        Coarse = coarse;
        Fine = fine;
        Selector = selector;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Its configuration.</summary>
    public DnsModelsConfig Config { get; }

    /// <summary>The coarse student.</summary>
    public CoarseGrainedStudentModule Coarse { get; }

    /// <summary>The fine student.</summary>
    public FineGrainedStudentModule Fine { get; }

    /// <summary>The selector, if the folder has one.</summary>
    public SelectorNetworkModule? Selector { get; private set; }

    /// <summary>How the folder merges the students' scores (its <see cref="DnsModelsConfig.FineCalibration"/>; the reference when it names none).</summary>
    public FineScoreCalibration FineCalibration => Config.FineCalibration ?? FineScoreCalibration.Reference;

    /// <summary>R, regions per frame the networks were trained on.</summary>
    public int Regions => Config.Fine.Regions;

    /// <summary>Loads every network of the folder, shapes read from the weights.</summary>
    /// <exception cref="FileNotFoundException">The folder has no configuration or a weights file is missing.</exception>
    /// <exception cref="WeightsFormatException">A weights file does not fit its network, or the fine stage is the parameter-free chamfer (nothing to retrain).</exception>
    public static ModelFolder Load(string directory)
    {
        string configPath = Path.Combine(directory, DnsModels.ConfigFileName);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{directory} is not a model folder ({DnsModels.ConfigFileName} is missing)", configPath);
        var config = DnsModels.ReadConfig(directory);

        FineGrainedStudentModule? fine = null;
        CoarseGrainedStudentModule? coarse = null;
        SelectorNetworkModule? selector = null;
        try
        {
            using (var weights = TensorSources.Open(Path.Combine(directory, config.FineWeights)))
            {
                var variant = FineGrainedStudent.VariantOf(weights, config.Fine.Variant);
                if (variant == FineGrainedVariant.ParameterFree)
                    throw new WeightsFormatException(weights.SourceName, "this folder re-ranks with the parameter-free region chamfer (dns-train distill --fine chamfer) " +
                                                                         "and has no networks to retrain one by one; run dns-train distill again instead");
                long bits = weights.Tensors.TryGetValue(StateDictKeys.BinarizationW, out var w) ? w.Shape[1] : config.Fine.Dims;
                fine = new FineGrainedStudentModule(variant, config.Fine.Dims, bits);
                fine.LoadWeights(weights);
            }
            using (var weights = TensorSources.Open(Path.Combine(directory, config.CoarseWeights)))
            {
                coarse = CoarseStudentShape.FromWeights(weights, config.Coarse).Create(config.Fine.Dims);
                coarse.LoadWeights(weights);
            }
            if (config.SelectorWeights is { } selectorWeights)
            {
                using var weights = TensorSources.Open(Path.Combine(directory, selectorWeights));
                selector = new SelectorNetworkModule(config.Fine.Dims);
                selector.LoadWeights(weights);
            }
            return new ModelFolder(directory, config, coarse, fine, selector);
        }
        catch
        {
            fine?.Dispose();
            coarse?.Dispose();
            selector?.Dispose();
            throw;
        }
    }

    /// <summary>Replaces the selector (the folder keeps ownership of the new one).</summary>
    public void ReplaceSelector(SelectorNetworkModule selector)
    {
        if (!ReferenceEquals(Selector, selector)) Selector?.Dispose();
        Selector = selector;
    }

    /// <summary>Writes the networks back to the folder (in eval mode), replacing its files and configuration (the calibration is kept as it was).</summary>
    public Task<DnsModelsConfig> SaveAsync(CancellationToken cancellationToken = default)
    {
        Coarse.eval();
        Fine.eval();
        Selector?.eval();
        return ModelFolderWriter.WriteAsync(Directory, Coarse, Fine, Selector, Regions, Config.FineCalibration, cancellationToken);
    }

    /// <summary>Frees the modules.</summary>
    public void Dispose()
    {
        Coarse.Dispose();
        Fine.Dispose();
        Selector?.Dispose();
    }
}
