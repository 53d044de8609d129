using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DnS.Training.Tests.Teachers;

/// <summary>Wraps a teacher and counts its calls (to prove a cache does not re-score).</summary>
internal sealed class CountingTeacher(IPairTeacher inner, string? name = null) : IPairTeacher
{
    private int _calls;

    public string Name { get; } = name ?? inner.Name;

    public int Calls => Volatile.Read(ref _calls);

    public float Score(IRegionFeatureSource source, int query, int target)
    {
        Interlocked.Increment(ref _calls);
        return inner.Score(source, query, target);
    }
}
