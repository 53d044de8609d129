using DnS.Training.Data;

namespace DnS.Training.Text;

/// <summary>
/// Videos as their CLIP frame embeddings (per video a T×D row-major matrix, e.g. from
/// <see cref="Core.Text.ClipModel.EncodeFileAsync"/>) in memory, served as an <see cref="IRegionFeatureSource"/> with
/// one region per frame, so the text trainers batch them like the DnS students' features.
/// </summary>
public sealed class FrameEmbeddingSource : IRegionFeatureSource
{
    private readonly string[] _ids;
    private readonly float[][] _frames;

    /// <summary>Wraps the videos' frame embeddings (not copied).</summary>
    /// <param name="ids">The videos' ids, in index order.</param>
    /// <param name="frames">Each video's T×D frame embeddings (T ≥ 1).</param>
    /// <param name="dims">D.</param>
    /// <exception cref="ArgumentException">No videos, a count mismatch or a matrix that is not T ≥ 1 rows of D (the message names the video).</exception>
    public FrameEmbeddingSource(IReadOnlyList<string> ids, IReadOnlyList<float[]> frames, int dims)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dims);
        if (ids.Count == 0 || ids.Count != frames.Count)
            throw new ArgumentException($"{ids.Count} ids for {frames.Count} frame matrices; give one matrix per video and at least one video", nameof(frames));
        for (int v = 0; v < frames.Count; v++)
        {
            if (frames[v].Length < dims || frames[v].Length % dims != 0)
                throw new ArgumentException($"video '{ids[v]}' has {frames[v].Length} floats; its frame embeddings must be T ≥ 1 rows of {dims}", nameof(frames));
        }
        _ids = [.. ids];
        _frames = [.. frames];
        Dims = dims;
    }

    /// <inheritdoc/>
    public int Count => _ids.Length;

    /// <inheritdoc/>
    public int Regions => 1;

    /// <inheritdoc/>
    public int Dims { get; }

    /// <inheritdoc/>
    public string GetId(int video) => _ids[video];

    /// <inheritdoc/>
    public int GetFrames(int video) => _frames[video].Length / Dims;

    /// <inheritdoc/>
    public ReadOnlyMemory<float> GetFeatures(int video) => _frames[video];
}
