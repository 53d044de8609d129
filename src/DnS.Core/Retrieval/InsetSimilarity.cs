using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;

namespace DnS.Core.Retrieval;

/// <summary>
/// How much of one video appears shrunk inside the other (picture-in-picture), from <see cref="InsetFeatureExtractor"/>
/// features: for each frame of one video, the best dot product of its whole-frame descriptor (region 0) with any window
/// (regions 1..R−1) of any frame of the other, averaged over its frames; the larger of the two directions, so the score
/// is symmetric and finds the inset whichever of the pair holds it.
/// </summary>
public static class InsetSimilarity
{
    /// <summary>The inset score of two videos, in [−1, 1] (1: one is a shrunk copy of a window of the other).</summary>
    /// <exception cref="ArgumentException">The features do not have the same region count (at least 2) and size.</exception>
    public static float Score(RegionFeatures a, RegionFeatures b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Regions != b.Regions || a.Dimensions != b.Dimensions || a.Regions < 2)
            throw new ArgumentException($"inset scores need the same layout with a whole frame and windows on both sides, got {a.Regions}×{a.Dimensions} and {b.Regions}×{b.Dimensions}");
        return Math.Max(Directed(a, b), Directed(b, a));
    }

    /// <summary>Mean over the frames of <paramref name="whole"/> of the best match of its whole-frame descriptor among
    /// every window of every frame of <paramref name="windows"/>.</summary>
    private static float Directed(RegionFeatures whole, RegionFeatures windows)
    {
        int d = whole.Dimensions, r = windows.Regions, frame = r * d;
        double sum = 0;
        for (int i = 0; i < whole.Frames; i++)
        {
            var query = whole.Values.AsSpan(i * whole.Regions * d, d);
            float best = float.NegativeInfinity;
            for (int j = 0; j < windows.Frames; j++)
                for (int w = 1; w < r; w++)
                    best = Math.Max(best, TensorPrimitives.Dot(query, windows.Values.AsSpan(j * frame + w * d, d)));
            sum += best;
        }
        return (float)(sum / whole.Frames);
    }
}
