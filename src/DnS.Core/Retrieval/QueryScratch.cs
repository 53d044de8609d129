using System.Buffers;

namespace DnS.Core.Retrieval;

/// <summary>
/// One query's per-ordinal working arrays, rented from the shared pool: a search over N videos needs several arrays
/// of N, and allocating them per query would put megabytes of large-object garbage on every search of a big library.
/// Arrays may be longer than <see cref="Count"/>; only the first Count elements are meaningful.
/// </summary>
internal sealed class QueryScratch : IDisposable
{
    public QueryScratch(int count)
    {
        Count = count;
        Coarse = ArrayPool<float>.Shared.Rent(count);
        Fine = ArrayPool<float>.Shared.Rent(count);
        Merged = ArrayPool<float>.Shared.Rent(count);
        Work = ArrayPool<float>.Shared.Rent(count);
        IsLive = ArrayPool<bool>.Shared.Rent(count);
        Selected = ArrayPool<int>.Shared.Rent(count);
    }

    /// <summary>Ordinals in the store (live or deleted).</summary>
    public int Count { get; }

    public float[] Coarse { get; }

    public float[] Fine { get; }

    public float[] Merged { get; }

    /// <summary>Selector probabilities or masked scores while choosing the pairs to re-rank.</summary>
    public float[] Work { get; }

    public bool[] IsLive { get; }

    /// <summary>The ordinals the fine stage re-scores (first <c>SelectedCount</c> of a score pass).</summary>
    public int[] Selected { get; }

    public void Dispose()
    {
        ArrayPool<float>.Shared.Return(Coarse);
        ArrayPool<float>.Shared.Return(Fine);
        ArrayPool<float>.Shared.Return(Merged);
        ArrayPool<float>.Shared.Return(Work);
        ArrayPool<bool>.Shared.Return(IsLive);
        ArrayPool<int>.Shared.Return(Selected);
    }
}
