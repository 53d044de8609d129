using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Features;
using DnS.Core.Kernels;
using DnS.Core.Storage;

namespace DnS.Core.Retrieval;

/// <summary>
/// Candidates one video-level coarse vector cannot see: a copy that shows the query in part of its frame (a
/// picture-in-picture inset) has a region whose mean over frames looks like the query's whole video, while its
/// video-level vector is dominated by the rest. Each live library video scores
/// max over its R region means of the cosine with the query's global mean descriptor (parameter-free, from the fine
/// features); <see cref="SelectorPolicy.RegionPicks"/> gives part of a policy's re-ranking budget to the best of them.
/// The region means (R·D floats per video) are computed once per committed store state (its coarse block list) and
/// kept while that state is in use.
/// </summary>
internal sealed class RegionRecall
{
    private readonly ConditionalWeakTable<IReadOnlyList<CoarseBlock>, Lazy<float[]?[]>> _means = new();

    /// <summary>Appends the <paramref name="picks"/> best live ordinals by region match that are not among the first
    /// <paramref name="chosen"/> of <see cref="QueryScratch.Selected"/>; returns how many it appended.</summary>
    public int Pick(IVideoStoreView snapshot, VideoRecord query, QueryScratch scratch, int chosen, int picks, int degreeOfParallelism)
    {
        int total = scratch.Count;
        float[] scores = ArrayPool<float>.Shared.Rent(total);
        try
        {
            int candidates = Score(snapshot, query, scratch, scores, degreeOfParallelism);
            foreach (int o in scratch.Selected.AsSpan(0, chosen))
                if (!float.IsNegativeInfinity(scores[o])) { scores[o] = float.NegativeInfinity; candidates--; }
            picks = Math.Min(picks, candidates);
            if (picks <= 0) return 0;
            float[] values = ArrayPool<float>.Shared.Rent(picks);
            TopK.Select(scores.AsSpan(0, total), scratch.Selected.AsSpan(chosen, picks), values);
            ArrayPool<float>.Shared.Return(values);
            return picks;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>The region-match score of every live ordinal into <paramref name="scores"/> (−∞ elsewhere); returns how
    /// many live ordinals it scored.</summary>
    public int Score(IVideoStoreView snapshot, VideoRecord query, QueryScratch scratch, float[] scores, int degreeOfParallelism)
    {
        int total = scratch.Count;
        if (total == 0) return 0;
        bool[] isLive = scratch.IsLive;
        var means = _means.GetValue(snapshot.CoarseBlocks, _ => new Lazy<float[]?[]>(() => Means(snapshot, isLive, total, degreeOfParallelism))).Value;
        var schema = snapshot.Schema;
        int d = schema.FineDimensions, regions = schema.Regions, candidates = 0;
        float[] global = Global(query, schema);
        Parallel.ForEach(Partitioner.Create(0, total, 4096), new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, range =>
        {
            int live = 0;
            for (int o = range.Item1; o < range.Item2; o++)
            {
                scores[o] = float.NegativeInfinity;
                if (!isLive[o] || o >= means.Length || means[o] is not { } rows) continue;
                float best = float.NegativeInfinity;
                for (int r = 0; r < regions; r++) best = Math.Max(best, TensorPrimitives.Dot(global, rows.AsSpan(r * d, d)));
                scores[o] = best;
                live++;
            }
            Interlocked.Add(ref candidates, live);
        });
        return candidates;
    }

    // Unit region means of every live ordinal (null for dead ones; the scan's live flags of the same state), over the cores.
    private static float[]?[] Means(IVideoStoreView snapshot, bool[] isLive, int total, int degreeOfParallelism)
    {
        var means = new float[]?[total];
        var schema = snapshot.Schema;
        Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, o =>
        {
            if (!isLive[o]) return;
            var sums = RegionSums(snapshot.GetRecord(o), schema);
            int d = schema.FineDimensions;
            for (int r = 0; r < schema.Regions; r++) L2Normalization.Normalize(sums.AsSpan(r * d, d));
            means[o] = sums;
        });
        return means;
    }

    // The query's unit mean descriptor over all frames and regions.
    private static float[] Global(VideoRecord query, StoreSchema schema)
    {
        var sums = RegionSums(query, schema);
        int d = schema.FineDimensions;
        var global = new float[d];
        for (int r = 0; r < schema.Regions; r++) TensorPrimitives.Add(global, sums.AsSpan(r * d, d), global);
        L2Normalization.Normalize(global);
        return global;
    }

    // Per region, the sum over frames of its fine vectors (binary codes as ±1 per bit).
    private static float[] RegionSums(VideoRecord record, StoreSchema schema)
    {
        int d = schema.FineDimensions, regions = schema.Regions;
        var sums = new float[regions * d];
        if (schema.FineKind == FineFeatureKind.Float)
        {
            var fine = record.FineFloats.Span;
            for (int t = 0; t < record.Frames; t++)
                for (int r = 0; r < regions; r++)
                    TensorPrimitives.Add(sums.AsSpan(r * d, d), fine.Slice((t * regions + r) * d, d), sums.AsSpan(r * d, d));
            return sums;
        }
        // Bits as ±1, eight dimensions per byte from a table of the 256 patterns.
        var bytes = MemoryMarshal.AsBytes(record.FineCodes.Span);
        int bytesPerCode = (d + 63) / 64 * 8, fullBytes = d / 8;
        var patterns = BytePatterns.Value;
        for (int t = 0; t < record.Frames; t++)
            for (int r = 0; r < regions; r++)
            {
                var code = bytes.Slice((t * regions + r) * bytesPerCode, bytesPerCode);
                var sum = sums.AsSpan(r * d, d);
                for (int j = 0; j < fullBytes; j++)
                {
                    var target = sum.Slice(j * 8, 8);
                    (Vector256.Create<float>(target) + Vector256.Create<float>(patterns.AsSpan(code[j] * 8, 8))).CopyTo(target);
                }
                for (int i = fullBytes * 8; i < d; i++) sum[i] += ((code[i >> 3] >> (i & 7)) & 1) != 0 ? 1f : -1f;
            }
        return sums;
    }

    // Bit b of byte v (little-endian within a code word, as HammingKernel packs) as ±1 at [v·8 + b].
    private static readonly Lazy<float[]> BytePatterns = new(() =>
    {
        var patterns = new float[256 * 8];
        for (int v = 0; v < 256; v++)
            for (int b = 0; b < 8; b++) patterns[v * 8 + b] = ((v >> b) & 1) != 0 ? 1f : -1f;
        return patterns;
    });
}
