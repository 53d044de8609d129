using DnS.Core.Evaluation;
using DnS.Samples.Corpus;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>A teacher on its own as a retrieval system: every query scored against every video, FIVR DSVR mAP.</summary>
internal static class TeacherEvaluation
{
    public static double MeanAveragePrecision(IPairTeacher teacher, IRegionFeatureSource features, SyntheticCorpus corpus, FivrAnnotations annotations,
        CancellationToken cancellationToken)
    {
        var results = new SimilarityResults();
        foreach (var query in corpus.Queries)
        {
            int q = EvaluationCorpus.IndexOf(features, query.Id);
            var scores = new (string Id, double Score)[features.Count];
            Parallel.For(0, features.Count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
                t => scores[t] = (features.GetId(t), teacher.Score(features, q, t)));
            results.Add(query.Id, scores);
        }
        return FivrEvaluator.Evaluate(annotations, results, FivrTask.DSVR).MeanAveragePrecision;
    }
}
