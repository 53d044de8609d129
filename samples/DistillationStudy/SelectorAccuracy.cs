using DnS.Core.Features;
using DnS.Core.Networks;
using DnS.Samples.Corpus;
using DnS.Training.Distillation;

namespace DistillationStudy;

/// <summary>
/// The selector's accuracy on the evaluation corpus's query × database pairs: a pair should be re-ranked when the
/// model set's own fine and coarse scores disagree, |Map(fine) − coarse| &gt; t with the set's calibration (the training label), and the
/// selector says so when its probability is ≥ 0.5.
/// </summary>
internal static class SelectorAccuracy
{
    public sealed record Result(double Accuracy, double ReRankAccuracy, double KeepAccuracy, int ReRankPairs, int KeepPairs);

    public static Result Evaluate(DnsModels models, SyntheticCorpus corpus, IReadOnlyList<(CorpusVideo Video, RegionFeatures Features)> features)
    {
        var selector = models.Selector ?? throw new ArgumentException("the model set has no selector", nameof(models));
        var coarse = new float[features.Count][];
        var fine = new FineFeatures[features.Count];
        var self = new float[features.Count];
        Parallel.For(0, features.Count, i =>
        {
            var values = features[i].Features.Values;
            coarse[i] = models.Coarse.IndexVideo(values);
            fine[i] = models.Fine.IndexVideo(values);
            self[i] = selector.IndexVideo(values);
        });
        int reRank = 0, keep = 0, reRankRight = 0, keepRight = 0;
        for (int q = 0; q < features.Count; q++)
        {
            if (!features[q].Video.IsQuery) continue;
            for (int t = 0; t < features.Count; t++)
            {
                if (t == q) continue;
                float c = CoarseGrainedStudent.Similarity(coarse[q], coarse[t]);
                float f = models.Fine.Similarity(fine[q], fine[t]);
                bool label = SelectorTrainer.Label(new SelectorPair(q, t, f, c), models.FineCalibration);
                bool predicted = selector.Score(self[q], self[t], c) >= 0.5f;
                if (label) { reRank++; if (predicted) reRankRight++; }
                else { keep++; if (!predicted) keepRight++; }
            }
        }
        return new Result((double)(reRankRight + keepRight) / (reRank + keep), reRank == 0 ? double.NaN : (double)reRankRight / reRank,
            keep == 0 ? double.NaN : (double)keepRight / keep, reRank, keep);
    }
}
