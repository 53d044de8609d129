using System.Buffers;
using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;

namespace DnS.Core.Retrieval;

/// <summary>
/// How much of one video appears shrunk inside the other (picture-in-picture), from <see cref="InsetFeatureExtractor"/>
/// features: the whole-frame descriptors (region 0) of one video against one window position (regions 1..R−1) of the
/// other, frame by frame in step (a time offset and ±1 frame of slack), averaged over its frames, at the best position and
/// offset. <see cref="Inside"/> is that one direction (is this video shown inside that one?); <see cref="Score"/> the
/// larger of both. On the realistic corpus (docs/realistic-corpus.md) one direction ranks insets better: a library
/// video's whole frame also matches windows of the query by chance.
/// </summary>
public static class InsetSimilarity
{
    /// <summary>The inset score of two videos, in [−1, 1] (1: one is a shrunk copy of a window of the other).</summary>
    /// <exception cref="ArgumentException">The features do not have the same region count (at least 2) and size.</exception>
    public static float Score(RegionFeatures a, RegionFeatures b)
    {
        Check(a, b);
        return Math.Max(Directed(a, b), Directed(b, a));
    }

    /// <summary>How well <paramref name="video"/> appears shrunk inside <paramref name="container"/> (one direction of
    /// <see cref="Score"/>), in [−1, 1].</summary>
    /// <exception cref="ArgumentException">The features do not have the same region count (at least 2) and size.</exception>
    public static float Inside(RegionFeatures video, RegionFeatures container)
    {
        Check(video, container);
        return Directed(video, container);
    }

    private static void Check(RegionFeatures a, RegionFeatures b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Regions != b.Regions || a.Dimensions != b.Dimensions || a.Regions < 2 || a.Frames < 1 || b.Frames < 1)
            throw new ArgumentException($"inset scores need frames of the same layout with a whole frame and windows on both sides, got {a.Frames}×{a.Regions}×{a.Dimensions} and {b.Frames}×{b.Regions}×{b.Dimensions}");
    }

    /// <summary>
    /// The best (window position, time offset) of <paramref name="windows"/> for the whole frames of
    /// <paramref name="whole"/>: frame i of <paramref name="whole"/> is compared with that window in frames i + δ − 1 .. i + δ + 1
    /// of the other (its best match there), and the matches are averaged over all frames of <paramref name="whole"/> (a frame
    /// with no partner counts 0; offsets δ from 1 − T to T′ − 1, so some frame pair is in step). A real inset stays at one position and plays in step, so matches scattered over positions
    /// or times do not add up.
    /// </summary>
    private static float Directed(RegionFeatures whole, RegionFeatures windows)
    {
        int d = whole.Dimensions, r = windows.Regions, tw = whole.Frames, tt = windows.Frames, frame = r * d, offsets = tw + tt - 1;
        // One row of dot products at a time (row[j·r + w] = whole frame i · window w of frame j), accumulated per
        // (offset δ = j − i, window): memory grows with the frame counts, not with their product.
        float[] row = ArrayPool<float>.Shared.Rent(tt * r);
        double[] sums = ArrayPool<double>.Shared.Rent(offsets * r);
        try
        {
            Array.Clear(sums, 0, offsets * r);
            for (int i = 0; i < tw; i++)
            {
                var query = whole.Values.AsSpan(i * whole.Regions * d, d);
                for (int j = 0; j < tt; j++)
                    for (int w = 1; w < r; w++)
                        row[j * r + w] = TensorPrimitives.Dot(query, windows.Values.AsSpan(j * frame + w * d, d));
                for (int offset = 1 - tw; offset < tt; offset++)
                {
                    int first = Math.Max(i + offset - 1, 0), last = Math.Min(i + offset + 1, tt - 1);
                    if (first > last) continue; // no partner frame: counts 0
                    int at = (offset + tw - 1) * r;
                    for (int w = 1; w < r; w++)
                    {
                        float match = row[first * r + w];
                        for (int j = first + 1; j <= last; j++) match = Math.Max(match, row[j * r + w]);
                        sums[at + w] += match;
                    }
                }
            }
            double best = double.NegativeInfinity;
            for (int o = 0; o < offsets; o++)
                for (int w = 1; w < r; w++) best = Math.Max(best, sums[o * r + w]);
            return (float)(best / tw);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(row);
            ArrayPool<double>.Shared.Return(sums);
        }
    }
}
