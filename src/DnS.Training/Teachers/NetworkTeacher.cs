using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// A teacher over a DnS.Core inference network: the ViSiL head with given weights, or a fine-grained student — a
/// trained student is the next teacher (re-distillation, iter1 → iter2). Scoring runs the SIMD kernels of DnS.Core.
/// </summary>
/// <remarks>
/// Each video is indexed (attention, binarization) once per teacher and kept in a least-recently-used cache bounded
/// by <c>cacheBytes</c>: indexing with the student's D×D attention costs about as much as comparing a short pair, and
/// pairs come grouped by anchor with anchors recurring as negatives, so the cache saves most of it while memory stays
/// bounded for a corpus of any size. Networks whose index is the raw features (parameter-free, ViSiL without
/// attention) read the features in place and cache nothing.
/// </remarks>
public sealed class NetworkTeacher : IPairTeacher
{
    /// <summary>The default budget of the indexed-video cache: 512 MiB.</summary>
    public const long DefaultCacheBytes = 512L << 20;

    private readonly Func<IRegionFeatureSource, int, FineFeatures> _index;
    private readonly Func<FineFeatures, FineFeatures, float> _similarity;
    private readonly IndexedVideoCache? _cache;

    private NetworkTeacher(string name, int regions, int dims, Func<IRegionFeatureSource, int, FineFeatures> index,
        Func<FineFeatures, FineFeatures, float> similarity, long cacheBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        Name = name;
        Regions = regions;
        Dims = dims;
        _index = index;
        _similarity = similarity;
        _cache = cacheBytes > 0 ? new IndexedVideoCache(cacheBytes) : null;
    }

    /// <summary>A teacher over the ViSiL head (symmetric or not, as configured when it was loaded).</summary>
    /// <param name="name">The teacher's name.</param>
    /// <param name="teacher">The network.</param>
    /// <param name="cacheBytes">Budget of the indexed-video cache (0: re-index every time).</param>
    public NetworkTeacher(string name, ViSiLTeacher teacher, long cacheBytes = DefaultCacheBytes)
        : this(name, teacher.Regions, teacher.Dims, IndexViSiL(teacher), teacher.Similarity, teacher.Dims > 0 ? cacheBytes : 0)
    {
    }

    /// <summary>A teacher over a fine-grained student of any variant (its video similarity, query → target).</summary>
    /// <param name="name">The teacher's name.</param>
    /// <param name="student">The network.</param>
    /// <param name="cacheBytes">Budget of the indexed-video cache (0: re-index every time).</param>
    public NetworkTeacher(string name, FineGrainedStudent student, long cacheBytes = DefaultCacheBytes)
        : this(name, student.Regions, student.Dims, IndexStudent(student), student.Similarity,
            student.Variant == FineGrainedVariant.ParameterFree ? 0 : cacheBytes)
    {
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>R, regions per frame the network expects.</summary>
    public int Regions { get; }

    /// <summary>D the network expects, or 0 when it takes any (ViSiL without attention).</summary>
    public int Dims { get; }

    /// <summary>Loads a ViSiL head (<c>visil.pth</c> or safetensors, see <see cref="ViSiLTeacher.Load"/>) as a teacher.</summary>
    /// <exception cref="WeightsFormatException">The weights do not fit the ViSiL head.</exception>
    public static NetworkTeacher LoadViSiL(string name, string weightsPath, ViSiLTeacherConfig? config = null, long cacheBytes = DefaultCacheBytes)
    {
        using var source = TensorSources.Open(weightsPath);
        return new NetworkTeacher(name, ViSiLTeacher.Load(source, config), cacheBytes);
    }

    /// <summary>Loads a fine-grained student (reference checkpoint or exported safetensors) as a teacher.</summary>
    /// <exception cref="WeightsFormatException">The weights do not fit a fine-grained student.</exception>
    public static NetworkTeacher LoadStudent(string name, string weightsPath, FineGrainedStudentConfig? config = null, long cacheBytes = DefaultCacheBytes)
    {
        using var source = TensorSources.Open(weightsPath);
        return new NetworkTeacher(name, FineGrainedStudent.Load(source, config), cacheBytes);
    }

    /// <inheritdoc/>
    public float Score(IRegionFeatureSource source, int query, int target)
    {
        if (source.Regions != Regions || (Dims > 0 && source.Dims != Dims))
            throw new ArgumentException($"teacher '{Name}' expects {Regions}×{(Dims > 0 ? Dims : "any D")} region features, the corpus has {source.Regions}×{source.Dims}", nameof(source));
        return _similarity(Index(source, query), Index(source, target));
    }

    private FineFeatures Index(IRegionFeatureSource source, int video) =>
        _cache is null ? _index(source, video) : _cache.GetOrAdd(source, video, _index);

    private static Func<IRegionFeatureSource, int, FineFeatures> IndexViSiL(ViSiLTeacher teacher)
    {
        if (teacher.Dims > 0) return (source, video) => teacher.IndexVideo(source.GetFeatures(video).Span);
        // Without attention the index is the input itself: read it in place, D from the corpus.
        return (source, video) => FineFeatures.Wrap(source.GetFeatures(video), teacher.Regions, source.Dims);
    }

    private static Func<IRegionFeatureSource, int, FineFeatures> IndexStudent(FineGrainedStudent student)
    {
        if (student.Variant != FineGrainedVariant.ParameterFree) return (source, video) => student.IndexVideo(source.GetFeatures(video).Span);
        return (source, video) => FineFeatures.Wrap(source.GetFeatures(video), student.Regions, student.Dims);
    }
}
