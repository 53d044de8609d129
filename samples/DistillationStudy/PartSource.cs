using System.Numerics.Tensors;
using DnS.Training.Data;

namespace DistillationStudy;

/// <summary>
/// One feature set's part of combined region vectors (<see cref="FeatureCombiner"/>): dims
/// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="dims"/>) of every region, L2-normalized again,
/// so a teacher on it sees that feature set alone. Each read copies the video.
/// </summary>
internal sealed class PartSource(IRegionFeatureSource combined, int offset, int dims) : IRegionFeatureSource
{
    public int Count => combined.Count;

    public int Regions => combined.Regions;

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
        return part;
    }
}
