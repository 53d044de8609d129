using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
/// An index with <see cref="StoreSchema.RegionMeans"/> keeps them as int8 codes, scanned in place; for one without, the
/// region means (R·D floats per video) are computed once per committed store state (its coarse block list) and kept
/// while that state is in use.
/// </summary>
internal sealed class RegionRecall
{
    /// <summary>Rows per parallel work item when scoring stored region means.</summary>
    private const int StoredChunk = 512;

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
        var schema = snapshot.Schema;
        float[] global = Global(query, schema);
        // A store whose schema promises region means but whose blocks lack them (another IVideoStore) is scored as one without.
        bool stored = schema.RegionMeans && snapshot.CoarseBlocks.All(b =>
            b.RegionCodes.Length == (long)b.Count * schema.Regions * schema.FineDimensions && b.RegionScales.Length == b.Count * schema.Regions);
        return stored
            ? ScoreStored(snapshot.CoarseBlocks, schema, global, scratch.IsLive, scores, degreeOfParallelism)
            : ScoreComputed(snapshot, schema, global, scratch, scores, degreeOfParallelism);
    }

    // The index keeps int8 region means: the query's mean, quantized too, against each row's R codes (QuantizedDotKernel).
    private static int ScoreStored(IReadOnlyList<CoarseBlock> blocks, StoreSchema schema, float[] global, bool[] isLive, float[] scores, int degreeOfParallelism)
    {
        int d = schema.FineDimensions, regions = schema.Regions, candidates = 0;
        var query = new sbyte[d];
        float queryScale = Int8Quantization.Quantize(global, query);
        foreach (var block in blocks)
        {
            Parallel.ForEach(Partitioner.Create(0, block.Count, StoredChunk), new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism }, range =>
            {
                int rows = range.Item2 - range.Item1, live = 0;
                float[] regionScores = ArrayPool<float>.Shared.Rent(rows * regions);
                QuantizedDotKernel.OneVsMany(query, queryScale, block.RegionCodes.Span.Slice(range.Item1 * regions * d, rows * regions * d),
                    block.RegionScales.Span.Slice(range.Item1 * regions, rows * regions), regionScores);
                for (int row = range.Item1; row < range.Item2; row++)
                {
                    int o = block.FirstOrdinal + row;
                    scores[o] = float.NegativeInfinity;
                    if (!isLive[o]) continue;
                    scores[o] = TensorPrimitives.Max(regionScores.AsSpan((row - range.Item1) * regions, regions));
                    live++;
                }
                ArrayPool<float>.Shared.Return(regionScores);
                Interlocked.Add(ref candidates, live);
            });
        }
        return candidates;
    }

    // An index without stored region means: they are computed from the fine features once per store state and kept.
    private int ScoreComputed(IVideoStoreView snapshot, StoreSchema schema, float[] global, QueryScratch scratch, float[] scores, int degreeOfParallelism)
    {
        int total = scratch.Count;
        bool[] isLive = scratch.IsLive;
        var means = _means.GetValue(snapshot.CoarseBlocks, _ => new Lazy<float[]?[]>(() => Means(snapshot, isLive, total, degreeOfParallelism))).Value;
        int d = schema.FineDimensions, regions = schema.Regions, candidates = 0;
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
            if (isLive[o]) means[o] = RegionMeans.Compute(snapshot.GetRecord(o), schema);
        });
        return means;
    }

    // The query's unit mean descriptor over all frames and regions.
    private static float[] Global(VideoRecord query, StoreSchema schema)
    {
        var sums = RegionMeans.Sums(query, schema);
        int d = schema.FineDimensions;
        var global = new float[d];
        for (int r = 0; r < schema.Regions; r++) TensorPrimitives.Add(global, sums.AsSpan(r * d, d), global);
        L2Normalization.Normalize(global);
        return global;
    }
}
