namespace DnS.Core.Tests;

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, too late for assertions).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
