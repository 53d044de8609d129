using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// A teacher: scores how related two videos of a training corpus are (method §1.5). Implementations are safe for
/// concurrent calls, so pairs can be scored in parallel.
/// </summary>
public interface IPairTeacher
{
    /// <summary>A short name, unique among the teachers of a run: it names the teacher's score column in a <see cref="TeacherScoreCache"/>.</summary>
    string Name { get; }

    /// <summary>The similarity of video <paramref name="query"/> to video <paramref name="target"/> of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">The source's region features do not fit the teacher (R or D).</exception>
    float Score(IRegionFeatureSource source, int query, int target);
}
