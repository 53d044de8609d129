using System.Buffers;
using System.Diagnostics;
using DnS.Core.Kernels;
using DnS.Core.Storage;

namespace DnS.Core.Retrieval;

/// <summary>
/// The coarse stage of several queries at once: one pass over the store's coarse matrix computes every query's scores
/// (<see cref="BatchDotKernel"/>, a blocked matrix product whose scores equal the single-query scan's bit for bit),
/// instead of one pass per query. A store of int8 codes is scanned in row ranges of 1024 (1 MiB of codes at D = 1024,
/// cache-resident) that every query's int8 scan sweeps in turn (<see cref="CoarseQuery"/>; the same scores as one query's
/// scan). The score rows come from the shared pool and go back on <see cref="Dispose"/>.
/// </summary>
internal sealed class CoarseBatch : IDisposable
{
    /// <summary>Queries per batch at most: past ~10 queries the scan is compute-bound, so larger batches save no reads.</summary>
    public const int MaxQueries = 64;

    /// <summary>Score memory per batch at most (64 MiB): a library of 10 M videos batches 1 query × 40 MB at a time.</summary>
    private const long MaxScoreBytes = 64L << 20;

    /// <summary>Matrix rows per parallel work item (4 MiB of floats at D = 1024).</summary>
    private const int RowsPerItem = 1024;

    private readonly float[] _scores;

    private CoarseBatch(float[] scores, IReadOnlyList<CoarseBlock> blocks, int total, TimeSpan timePerQuery)
    {
        _scores = scores;
        Blocks = blocks;
        Total = total;
        TimePerQuery = timePerQuery;
    }

    /// <summary>The blocks that were scanned (the per-query stages use the same ones).</summary>
    public IReadOnlyList<CoarseBlock> Blocks { get; }

    /// <summary>Ordinals covered by the blocks.</summary>
    public int Total { get; }

    /// <summary>The batch's scan time divided by its queries.</summary>
    public TimeSpan TimePerQuery { get; }

    /// <summary>How many queries one batch takes for a library of <paramref name="total"/> ordinals.</summary>
    public static int QueriesPerBatch(int total) => (int)Math.Clamp(MaxScoreBytes / Math.Max(1L, total * (long)sizeof(float)), 1, MaxQueries);

    /// <summary>Scans <paramref name="blocks"/> for <paramref name="queries"/> (validated against the schema first),
    /// spreading row ranges over the cores.</summary>
    public static CoarseBatch Scan(ReadOnlySpan<VideoRecord> queries, StoreSchema schema, IReadOnlyList<CoarseBlock> blocks, ParallelOptions parallelism)
    {
        int dims = schema.CoarseDimensions, count = queries.Length, total = 0;
        foreach (var block in blocks) total = Math.Max(total, block.FirstOrdinal + block.Count);
        var packed = ArrayPool<float>.Shared.Rent(count * dims);
        var scores = ArrayPool<float>.Shared.Rent(Math.Max(1, count * total));
        var quantized = new CoarseQuery?[schema.HasCoarseCodes ? count : 0];
        try
        {
            for (int q = 0; q < count; q++)
            {
                queries[q].Validate(schema);
                queries[q].Coarse.Span.CopyTo(packed.AsSpan(q * dims, dims));
                if (schema.HasCoarseCodes) quantized[q] = CoarseQuery.Of(queries[q], schema);
            }
            var clock = Stopwatch.StartNew();
            foreach (var block in blocks)
            {
                int items = (block.Count + RowsPerItem - 1) / RowsPerItem;
                Parallel.For(0, items, parallelism, item =>
                {
                    int start = item * RowsPerItem, rows = Math.Min(RowsPerItem, block.Count - start);
                    if (schema.HasCoarseCodes)
                    {
                        for (int q = 0; q < count; q++)
                            quantized[q]!.Scan(block, start, rows, scores.AsSpan((q * total) + block.FirstOrdinal + start, rows));
                        return;
                    }
                    BatchDotKernel.ManyVsMany(
                        packed.AsSpan(0, count * dims), block.Vectors.Span.Slice(start * dims, rows * dims), dims,
                        scores.AsSpan(block.FirstOrdinal + start), total);
                });
            }
            return new CoarseBatch(scores, blocks, total, clock.Elapsed / Math.Max(1, count));
        }
        catch
        {
            ArrayPool<float>.Shared.Return(scores);
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
            foreach (var query in quantized) query?.Dispose();
        }
    }

    /// <summary>Query <paramref name="index"/>'s coarse score per ordinal (<see cref="Total"/> of them).</summary>
    public ReadOnlySpan<float> Scores(int index) => _scores.AsSpan(index * Total, Total);

    public void Dispose() => ArrayPool<float>.Shared.Return(_scores);
}
