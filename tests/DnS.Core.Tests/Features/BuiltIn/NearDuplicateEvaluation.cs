using System.Numerics.Tensors;
using DnS.Core.Features;

namespace DnS.Core.Tests.Features.BuiltIn;

/// <summary>
/// Near-duplicate retrieval mAP: each original is a query against every transformed copy of every
/// source; its own copies are the positives. Videos compare by the paper's chamfer similarity of
/// chamfer frame similarities (mean over query frames of max over target frames of
/// mean over query regions of max over target regions of the dot product).
/// </summary>
internal static class NearDuplicateEvaluation
{
    /// <summary>
    /// Mean average precision over the queries; <paramref name="features"/> is [source][transform] → [T, R, D].
    /// With <paramref name="onlyTransform"/> a query's only positive is its copy under that transform.
    /// </summary>
    public static double MeanAveragePrecision(float[][][] features, int regions, int dimensions, int onlyTransform = -1)
    {
        int sources = features.Length, transforms = features[0].Length;
        double sum = 0;
        for (int q = 0; q < sources; q++)
        {
            var ranked = new List<(double Score, bool Positive)>();
            for (int s = 0; s < sources; s++)
                for (int t = 1; t < transforms; t++)
                    if (s != q || onlyTransform < 0 || t == onlyTransform)
                        ranked.Add((VideoSimilarity(features[q][0], features[s][t], regions, dimensions), s == q));
            sum += AveragePrecision(ranked);
        }

        return sum / sources;
    }

    private static double AveragePrecision(List<(double Score, bool Positive)> ranked)
    {
        // Ties broken pessimistically (negatives first) so a constant descriptor cannot score well.
        ranked.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Positive.CompareTo(b.Positive));
        int hits = 0;
        double precisionSum = 0;
        for (int i = 0; i < ranked.Count; i++)
            if (ranked[i].Positive)
                precisionSum += ++hits / (double)(i + 1);
        return hits == 0 ? 0 : precisionSum / hits;
    }

    private static double VideoSimilarity(float[] query, float[] target, int regions, int dimensions)
    {
        int frame = regions * dimensions;
        int queryFrames = query.Length / frame, targetFrames = target.Length / frame;
        double sum = 0;
        for (int i = 0; i < queryFrames; i++)
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j < targetFrames; j++)
                best = Math.Max(best, FrameSimilarity(query.AsSpan(i * frame, frame), target.AsSpan(j * frame, frame), regions, dimensions));
            sum += best;
        }

        return sum / queryFrames;
    }

    private static double FrameSimilarity(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dimensions)
    {
        double sum = 0;
        for (int r = 0; r < regions; r++)
        {
            float best = float.NegativeInfinity;
            for (int r2 = 0; r2 < regions; r2++)
                best = MathF.Max(best, TensorPrimitives.Dot(query.Slice(r * dimensions, dimensions), target.Slice(r2 * dimensions, dimensions)));
            sum += best;
        }

        return sum / regions;
    }
}
