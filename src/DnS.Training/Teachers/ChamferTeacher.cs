using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// The parameter-free teacher: the region chamfer of the raw features, query → target, with no attention or
/// comparator — the fine-grained model of <see cref="DnsModels.BuiltIn"/>. It needs nothing trained, reads the
/// features in place (no index, no cache) and scores in [−1, 1] for L2-normalized regions.
/// </summary>
public sealed class ChamferTeacher : IPairTeacher
{
    /// <summary>The default <see cref="Name"/>.</summary>
    public const string DefaultName = "chamfer";

    private readonly NetworkTeacher _network;

    /// <summary>A chamfer teacher for R×D region features.</summary>
    /// <param name="regions">R, regions per frame.</param>
    /// <param name="dims">D, floats per region.</param>
    /// <param name="name">The teacher's name.</param>
    public ChamferTeacher(int regions, int dims, string name = DefaultName)
    {
        using var none = new TensorCollection("chamfer teacher");
        var student = FineGrainedStudent.Load(none, new FineGrainedStudentConfig { Variant = FineGrainedVariant.ParameterFree, Regions = regions, Dims = dims, Comparator = false });
        _network = new NetworkTeacher(name, student);
    }

    /// <summary>A chamfer teacher for the region features of <paramref name="source"/>.</summary>
    public static ChamferTeacher For(IRegionFeatureSource source, string name = DefaultName) => new(source.Regions, source.Dims, name);

    /// <inheritdoc/>
    public string Name => _network.Name;

    /// <inheritdoc/>
    public float Score(IRegionFeatureSource source, int query, int target) => _network.Score(source, query, target);
}
