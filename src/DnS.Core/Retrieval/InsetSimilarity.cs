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

    /// <summary>The best (window position, time offset) of <paramref name="windows"/> for the whole frames of
    /// <paramref name="whole"/> (<see cref="Accumulate"/>), averaged over the frames of <paramref name="whole"/>.</summary>
    private static float Directed(RegionFeatures whole, RegionFeatures windows)
    {
        int r = windows.Regions, offsets = whole.Frames + windows.Frames - 1;
        double[] sums = ArrayPool<double>.Shared.Rent(offsets * r);
        try
        {
            Accumulate(whole, windows, sums);
            double best = double.NegativeInfinity;
            for (int o = 0; o < offsets; o++)
                for (int w = 1; w < r; w++) best = Math.Max(best, sums[o * r + w]);
            return (float)(best / whole.Frames);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sums);
        }
    }

    /// <summary>
    /// For each window scale of the <see cref="InsetFeatureExtractor"/> layout (1/2, 1/3, 1/4 of the side), the
    /// <paramref name="perScale"/> window positions at which <paramref name="video"/> matches best, as <see cref="Inside"/>
    /// scores them, each with its best time offset δ (frame i of <paramref name="video"/> ↔ frame i + δ of
    /// <paramref name="container"/>), best first within a scale.
    /// </summary>
    internal static (int Scale, int Window, int Offset)[] BestWindows(RegionFeatures video, RegionFeatures container, int perScale)
    {
        Check(video, container);
        int r = container.Regions, offsets = video.Frames + container.Frames - 1;
        if (r != InsetFeatureExtractor.WindowCount + 1)
            throw new ArgumentException($"window positions per scale need the {InsetFeatureExtractor.WindowCount + 1} regions of InsetFeatureExtractor, got {r}");
        double[] sums = ArrayPool<double>.Shared.Rent(offsets * r);
        try
        {
            Accumulate(video, container, sums);
            var best = new List<(int, int, int)>();
            for (int s = 0; s < InsetFeatureExtractor.ScaleRegions.Count; s++)
            {
                var (first, end) = InsetFeatureExtractor.ScaleRegions[s];
                var windows = new (double Sum, int Offset)[end - first];
                for (int w = first; w < end; w++)
                {
                    windows[w - first] = (double.NegativeInfinity, 0);
                    for (int o = 0; o < offsets; o++)
                        if (sums[o * r + w] > windows[w - first].Sum) windows[w - first] = (sums[o * r + w], o - (video.Frames - 1));
                }
                best.AddRange(windows.Select((m, i) => (m.Sum, Window: first + i, m.Offset))
                    .OrderByDescending(m => m.Sum).ThenBy(m => m.Window).Take(perScale).Select(m => (s, m.Window, m.Offset)));
            }
            return [.. best];
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sums);
        }
    }

    /// <summary>
    /// sums[(δ + T − 1)·R + w] = Σ over frames i of <paramref name="whole"/> of its best match with window w of
    /// <paramref name="windows"/> in frames i + δ − 1 .. i + δ + 1 (a frame with no partner adds 0; offsets δ from 1 − T
    /// to T′ − 1, so some frame pair is in step). A real inset stays at one position and plays in step, so matches
    /// scattered over positions or times do not add up.
    /// </summary>
    private static void Accumulate(RegionFeatures whole, RegionFeatures windows, double[] sums)
    {
        int d = whole.Dimensions, r = windows.Regions, tw = whole.Frames, tt = windows.Frames, frame = r * d, offsets = tw + tt - 1;
        // One row of dot products at a time (row[j·r + w] = whole frame i · window w of frame j), accumulated per
        // (offset δ = j − i, window): memory grows with the frame counts, not with their product.
        float[] row = ArrayPool<float>.Shared.Rent(tt * r);
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
        }
        finally
        {
            ArrayPool<float>.Shared.Return(row);
        }
    }
}
