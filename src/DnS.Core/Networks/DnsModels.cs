using System.Text.Json;
using System.Text.Json.Serialization;
using DnS.Core.Weights;

namespace DnS.Core.Networks;

/// <summary>
/// The networks of one DnS deployment: the coarse student (every video), the fine student (re-ranking) and the
/// selector (which pairs to re-rank). Built from weights files with every tensor shape validated up front; the
/// networks are immutable and thread-safe.
/// </summary>
public sealed class DnsModels
{
    /// <summary>The configuration file <see cref="Load(string)"/> reads from a model folder.</summary>
    public const string ConfigFileName = "dns-models.json";

    /// <summary>JSON settings of <see cref="DnsModelsConfig"/> (camelCase, enums as strings, comments allowed).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    /// <summary>Groups already-built networks.</summary>
    /// <param name="coarse">The coarse-grained student.</param>
    /// <param name="fine">The fine-grained student.</param>
    /// <param name="selector">The selector network, or null.</param>
    /// <param name="fineCalibration">How fine scores merge with coarse ones; null means <see cref="FineScoreCalibration.Reference"/>.</param>
    public DnsModels(CoarseGrainedStudent coarse, FineGrainedStudent fine, SelectorNetwork? selector, FineScoreCalibration? fineCalibration = null)
    {
        Coarse = coarse;
        Fine = fine;
        Selector = selector;
        FineCalibration = fineCalibration ?? FineScoreCalibration.Reference;
    }

    /// <summary>The coarse-grained student.</summary>
    public CoarseGrainedStudent Coarse { get; }

    /// <summary>The fine-grained student.</summary>
    public FineGrainedStudent Fine { get; }

    /// <summary>The selector network, if the set has one.</summary>
    public SelectorNetwork? Selector { get; }

    /// <summary>How the fine student's similarities are put on the coarse scale when a ranking mixes both.</summary>
    public FineScoreCalibration FineCalibration { get; }

    /// <summary>Loads the set described by <see cref="ConfigFileName"/> in <paramref name="directory"/> (defaults when the file is absent).</summary>
    /// <exception cref="FileNotFoundException">A weights file is missing.</exception>
    /// <exception cref="WeightsFormatException">A weights file is damaged or does not fit its network.</exception>
    /// <exception cref="JsonException">The configuration file is not valid JSON for <see cref="DnsModelsConfig"/>.</exception>
    public static DnsModels Load(string directory) => Load(ReadConfig(directory), directory);

    /// <summary>The configuration of the model folder <paramref name="directory"/>: its <see cref="ConfigFileName"/>, or the defaults when the file is absent.</summary>
    /// <remarks>A weights path in the file must be a relative name that stays inside <paramref name="directory"/>: a model
    /// folder someone hands you cannot make the library open <c>/etc/passwd</c> or <c>../elsewhere</c>.</remarks>
    /// <exception cref="JsonException">The file is not valid JSON for <see cref="DnsModelsConfig"/>, or a weights path leaves the folder.</exception>
    public static DnsModelsConfig ReadConfig(string directory)
    {
        string configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath)) return new DnsModelsConfig();
        DnsModelsConfig config;
        try
        {
            config = JsonSerializer.Deserialize<DnsModelsConfig>(File.ReadAllText(configPath), JsonOptions) ?? throw new JsonException($"{configPath} is empty");
        }
        catch (ArgumentException e)
        {
            // A value the constructor rejects (a non-positive calibration scale) is a malformed file, like a wrong type.
            throw new JsonException($"{configPath}: {e.Message}", e);
        }
        CheckInside(configPath, directory, "coarseWeights", config.CoarseWeights);
        CheckInside(configPath, directory, "fineWeights", config.FineWeights);
        if (config.SelectorWeights is not null) CheckInside(configPath, directory, "selectorWeights", config.SelectorWeights);
        return config;
    }

    private static void CheckInside(string configPath, string directory, string field, string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new JsonException($"{configPath}: {field} is missing or empty");
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(root, path));
        }
        catch (ArgumentException e)
        {
            throw new JsonException($"{configPath}: {field} '{path}' is not a valid path", e);
        }
        if (Path.IsPathRooted(path) || !full.StartsWith(root, comparison))
            throw new JsonException($"{configPath}: {field} '{path}' is outside the model folder {root}; weights paths must be relative names inside it");
    }

    /// <summary>Loads the set described by <paramref name="config"/>, resolving relative paths against <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A weights file is missing.</exception>
    /// <exception cref="WeightsFormatException">A weights file is damaged or does not fit its network.</exception>
    public static DnsModels Load(DnsModelsConfig config, string directory)
    {
        CoarseGrainedStudent coarse;
        using (var source = TensorSources.Open(Path.Combine(directory, config.CoarseWeights))) coarse = CoarseGrainedStudent.Load(source, config.Coarse);
        FineGrainedStudent fine;
        using (var source = TensorSources.Open(Path.Combine(directory, config.FineWeights))) fine = FineGrainedStudent.Load(source, config.Fine);
        SelectorNetwork? selector = null;
        if (config.SelectorWeights is { } selectorWeights)
        {
            using var source = TensorSources.Open(Path.Combine(directory, selectorWeights));
            selector = SelectorNetwork.Load(source, config.Fine.Regions);
        }
        if (coarse.Dims != fine.Dims || (selector is not null && selector.Dims != coarse.Dims))
            throw new WeightsFormatException(directory,
                $"the networks disagree on the region feature size: coarse D = {coarse.Dims}, fine D = {fine.Dims}{(selector is null ? "" : $", selector D = {selector.Dims}")}");
        return new DnsModels(coarse, fine, selector, config.FineCalibration);
    }

    /// <summary>Seed of the built-in binary models' random rotation: fixed, so every index and query agree.</summary>
    public const int BuiltInRotationSeed = 20220601;

    /// <summary>
    /// The parameter-free models that work with nothing trained: coarse = L2-normalized mean of the region vectors,
    /// fine = region chamfer without attention or comparator (float), or — with <paramref name="binary"/> — the
    /// Hamming chamfer of sign(x̂·W) codes with W a fixed random rotation (D bits per region); no selector, so the
    /// default policy re-ranks the top-K by coarse score; fine scores merge by <see cref="FineScoreCalibration.Reference"/>. Trained weights (<see cref="Load(string)"/>) replace them.
    /// </summary>
    /// <param name="regions">R, regions per frame of the features.</param>
    /// <param name="dims">D, the region feature size.</param>
    /// <param name="binary">Store packed sign codes (D bits per region) instead of floats.</param>
    public static DnsModels BuiltIn(int regions, int dims, bool binary = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dims);
        using var none = new TensorCollection("built-in models");
        var coarse = CoarseGrainedStudent.Load(none, new CoarseGrainedStudentConfig { Attention = false, Transformer = false, NetVlad = false, Regions = regions }, dims);
        var fineConfig = new FineGrainedStudentConfig { Regions = regions, Dims = dims, Comparator = false };
        if (!binary) return new DnsModels(coarse, FineGrainedStudent.Load(none, fineConfig), null);

        using var rotation = new TensorCollection("built-in binary models").Add(StateDictKeys.BinarizationW, RandomRotation(dims, BuiltInRotationSeed), dims, dims);
        return new DnsModels(coarse, FineGrainedStudent.Load(rotation, fineConfig), null);
    }

    // A uniformly random orthogonal matrix: Q of the QR decomposition of a Gaussian matrix, with R's diagonal signs folded in.
    private static float[] RandomRotation(int dims, int seed)
    {
        var gaussian = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Random(dims, dims, new MathNet.Numerics.Distributions.Normal(0, 1, new Random(seed)));
        var qr = gaussian.QR();
        var q = qr.Q;
        var result = new float[dims * dims];
        for (int j = 0; j < dims; j++)
        {
            double sign = Math.Sign(qr.R[j, j]) is 0 ? 1 : Math.Sign(qr.R[j, j]);
            for (int i = 0; i < dims; i++) result[i * dims + j] = (float)(q[i, j] * sign);
        }
        return result;
    }
}
