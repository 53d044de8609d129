using System.Numerics.Tensors;
using DnS.Training.Data;

namespace DistillationStudy;

/// <summary>
/// One feature set's part of combined region vectors (<see cref="FeatureCombiner"/>): dims
/// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="dims"/>) of every region, L2-normalized again,
/// so a teacher on it sees that feature set alone; with <paramref name="pooled"/>, one vector per frame (the normalized
/// mean of its regions) instead. Each read copies the video.
/// </summary>
internal sealed class PartSource(IRegionFeatureSource combined, int offset, int dims, bool pooled = false) : IRegionFeatureSource
{
    public int Count => combined.Count;

    public int Regions => pooled ? 1 : combined.Regions;

    public int Dims => dims;

    public string GetId(int video) => combined.GetId(video);

    public int GetFrames(int video) => combined.GetFrames(video);

    public ReadOnlyMemory<float> GetFeatures(int video)
    {
        var all = combined.GetFeatures(video).Span;
        int rows = all.Length / combined.Dims;
        var part = new float[rows * dims];
        for (int i = 0; i < rows; i++)
        {
            var row = part.AsSpan(i * dims, dims);
            all.Slice(i * combined.Dims + offset, dims).CopyTo(row);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
        return pooled ? Pool(part, combined.Regions, dims) : part;
    }

    private static float[] Pool(float[] regions, int perFrame, int dims)
    {
        int frames = regions.Length / (perFrame * dims);
        var pooled = new float[frames * dims];
        for (int f = 0; f < frames; f++)
        {
            var row = pooled.AsSpan(f * dims, dims);
            for (int r = 0; r < perFrame; r++) TensorPrimitives.Add(row, regions.AsSpan((f * perFrame + r) * dims, dims), row);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
        return pooled;
    }
}
