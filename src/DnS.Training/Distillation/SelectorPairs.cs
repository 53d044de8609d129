using DnS.Training.Teachers;
using CoarseGrainedStudent = DnS.Training.Modules.CoarseGrainedStudent;
using FineGrainedStudent = DnS.Training.Modules.FineGrainedStudent;

namespace DnS.Training.Distillation;

/// <summary>Builds the selector's training pairs from the trained students.</summary>
public static class SelectorPairs
{
    /// <summary>
    /// The pairs of <paramref name="pairs"/> with the fine and the coarse student's similarities (eval mode, first
    /// frames up to each trainer's cap); the teacher targets are not used.
    /// </summary>
    public static SelectorPair[] FromStudents(IReadOnlyList<ScoredPair> pairs, StudentTrainer<FineGrainedStudent> fine, StudentTrainer<CoarseGrainedStudent> coarse)
    {
        ArgumentNullException.ThrowIfNull(fine);
        ArgumentNullException.ThrowIfNull(coarse);
        var fineSimilarities = fine.Similarities(pairs);
        var coarseSimilarities = coarse.Similarities(pairs);
        var result = new SelectorPair[pairs.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new SelectorPair(pairs[i].Anchor, pairs[i].Other, fineSimilarities[i], coarseSimilarities[i]);
        return result;
    }
}
