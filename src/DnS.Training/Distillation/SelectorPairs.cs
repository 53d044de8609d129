using DnS.Training.Modules;
using DnS.Training.Teachers;

namespace DnS.Training.Distillation;

/// <summary>Builds the selector's training pairs from the trained students.</summary>
public static class SelectorPairs
{
    /// <summary>
    /// The pairs of <paramref name="pairs"/> with the fine and the coarse student's similarities (eval mode, first
    /// frames up to each trainer's cap); the teacher targets are not used.
    /// </summary>
    public static SelectorPair[] FromStudents(IReadOnlyList<ScoredPair> pairs, StudentTrainer<FineGrainedStudentModule> fine, StudentTrainer<CoarseGrainedStudentModule> coarse)
    {
        ArgumentNullException.ThrowIfNull(fine);
        ArgumentNullException.ThrowIfNull(coarse);
        return From(pairs, fine.Similarities(pairs), coarse.Similarities(pairs));
    }

    /// <summary>The pairs of <paramref name="pairs"/> with the students' similarities already computed (one per pair, in order).</summary>
    /// <exception cref="ArgumentException">A similarity array does not have one value per pair.</exception>
    public static SelectorPair[] From(IReadOnlyList<ScoredPair> pairs, float[] fineSimilarities, float[] coarseSimilarities)
    {
        if (fineSimilarities.Length != pairs.Count || coarseSimilarities.Length != pairs.Count)
            throw new ArgumentException($"{pairs.Count} pairs but {fineSimilarities.Length} fine and {coarseSimilarities.Length} coarse similarities");
        var result = new SelectorPair[pairs.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new SelectorPair(pairs[i].Anchor, pairs[i].Other, fineSimilarities[i], coarseSimilarities[i]);
        return result;
    }
}
