namespace DnS.Benchmarks.Infrastructure;

/// <summary>Splits rows into one contiguous range per thread, the same split for every contender of a multi-thread suite.</summary>
public static class RowPartition
{
    /// <summary>Calls <paramref name="body"/>(start, count) once per part; on the calling thread alone when <paramref name="threads"/> is 1.</summary>
    public static void Run(int threads, int rows, Action<int, int> body)
    {
        if (threads == 1)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
        {
            var start = (int)((long)rows * part / threads);
            var end = (int)((long)rows * (part + 1) / threads);
            body(start, end - start);
        });
    }
}
