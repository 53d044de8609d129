using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DnS.Training.Distillation;

/// <summary>
/// The self-check of a distillation: ranks the whole corpus for every held-out anchor with the teacher, the two students
/// and the parameter-free models, and refuses the students when either ranks worse than its parameter-free counterpart.
/// </summary>
/// <remarks>
/// <para>Lists: for each held-out anchor a, every other video of the corpus, ranked by score descending (ties: lower
/// video index first). AP = Σ over relevant ranks of hits/rank, divided by the number of relevant videos.</para>
/// <para>Teacher agreement: relevant = the teacher's top <c>k</c> of the list (k = the sampler's MaxPositives, at least 1).
/// The teacher's ranking is its raw score for one teacher; for several, the (weighted) mean of their scores standardized
/// with μ and σ of the mined pairs (MaxMin fusion needs pair kinds, which only mined pairs have).</para>
/// <para>Labeled mAP: relevant = the members of every relevance group holding a, except a; anchors in no group are skipped.</para>
/// <para>Decision: on labeled mAP when at least one held-out anchor is labeled, else on teacher agreement. The students
/// fail when the coarse student scores below the parameter-free coarse (cosine of mean region vectors) minus the
/// tolerance, or the fine student below the parameter-free fine (region chamfer) minus the tolerance.</para>
/// </remarks>
internal static class SelfCheck
{
    /// <summary>Teacher and parameter-free scores of the held-out lists, cached in the work folder.</summary>
    public const string ScoresFileName = "held-out-scores.bin";

    private const string ParameterFreeFine = "parameter-free-fine";

    public static async Task<SelfCheckReport> RunAsync(IRegionFeatureSource features, int[] anchors, IReadOnlyList<IPairTeacher> teachers, TeacherScoreCache mined,
        Func<IReadOnlyList<ScoredPair>, float[]> fineStudent, Func<IReadOnlyList<ScoredPair>, float[]> coarseStudent, DistillationOptions options, string work,
        IProgress<ScoringProgress>? progress, CancellationToken cancellationToken)
    {
        int others = features.Count - 1;
        var lists = new SampledPair[anchors.Length * others];
        for (int i = 0, at = 0; i < anchors.Length; i++)
            for (int v = 0; v < features.Count; v++)
                if (v != anchors[i]) lists[at++] = new SampledPair(anchors[i], v, PairKind.Distractor);

        IPairTeacher[] scorers = [.. teachers, ChamferTeacher.For(features, ParameterFreeFine)];
        var scored = await TeacherScoreCache.LoadOrScoreAsync(Path.Combine(work, ScoresFileName), features, lists, scorers, progress, options.Parallelism, cancellationToken)
            .ConfigureAwait(false);
        var asScored = lists.Select(p => new ScoredPair(p.Anchor, p.Other, p.Kind, 0f)).ToArray();
        cancellationToken.ThrowIfCancellationRequested();

        var teacherScores = TeacherRanking(scored, teachers, mined, options.Fusion);
        // The fused teacher, the students, the parameter-free models, then each teacher alone when there are several.
        float[][] rankings =
        [
            teacherScores,
            fineStudent(asScored),
            coarseStudent(asScored),
            scored.GetScores(ParameterFreeFine).ToArray(),
            ParameterFreeCoarse(features, lists),
            .. teachers.Count > 1 ? teachers.Select(t => scored.GetScores(t.Name).ToArray()) : [],
        ];

        var relevance = Relevance(features, options.Relevance);
        int k = Math.Clamp(options.Sampling.MaxPositives, 1, others);
        var agreement = new double[rankings.Length];
        var labeled = new double[rankings.Length];
        int labeledAnchors = 0;
        var order = new int[others];
        for (int i = 0; i < anchors.Length; i++)
        {
            int start = i * others;
            Rank(teacherScores.AsSpan(start, others), order);
            var teacherTop = new HashSet<int>(order.Take(k).Select(j => lists[start + j].Other));
            var labels = relevance[anchors[i]];
            if (labels.Count > 0) labeledAnchors++;
            for (int m = 0; m < rankings.Length; m++)
            {
                Rank(rankings[m].AsSpan(start, others), order);
                agreement[m] += AveragePrecision(order, lists, start, teacherTop);
                if (labels.Count > 0) labeled[m] += AveragePrecision(order, lists, start, labels);
            }
        }

        var quality = new HeldOutRanking[rankings.Length];
        for (int m = 0; m < rankings.Length; m++)
            quality[m] = new HeldOutRanking(agreement[m] / anchors.Length, labeledAnchors > 0 ? labeled[m] / labeledAnchors : null);
        bool byLabels = labeledAnchors > 0;
        var report = new SelfCheckReport(anchors.Length, labeledAnchors, byLabels ? SelfCheckMeasure.LabeledMap : SelfCheckMeasure.TeacherAgreement,
            options.SelfCheckTolerance, quality[0], quality[1], quality[2], quality[3], quality[4],
            teachers.Count > 1 ? teachers.Select((t, i) => (t.Name, quality[5 + i])).ToDictionary(x => x.Name, x => x.Item2) : new Dictionary<string, HeldOutRanking>(), []);
        string measure = byLabels ? "labeled mAP" : "agreement with the teacher";
        string Failure(string student, HeldOutRanking studentQuality, string baseline, HeldOutRanking baselineQuality) =>
            $"the {student} ranks the {anchors.Length} held-out anchors worse than the {baseline} ({measure} {report.Score(studentQuality):F3} vs " +
            $"{report.Score(baselineQuality):F3}, tolerance {options.SelfCheckTolerance:G3})";
        return report with
        {
            Failures =
            [
                .. report.CoarseStudentPassed ? [] : new[] { Failure("coarse student", quality[2], "parameter-free coarse model", quality[4]) },
                .. report.FineStudentPassed ? [] : new[] { Failure("fine student", quality[1], "parameter-free fine model (region chamfer)", quality[3]) },
            ],
        };
    }

    // The teacher's score of each listed pair: raw for one teacher, else the (weighted) mean of z-scores with the mined pairs' μ and σ.
    private static float[] TeacherRanking(TeacherScoreCache scored, IReadOnlyList<IPairTeacher> teachers, TeacherScoreCache mined, ScoreFusionOptions fusion)
    {
        if (teachers.Count == 1) return scored.GetScores(teachers[0].Name).ToArray();
        double[] weights = ScoreFusion.Weights(fusion, teachers.Count);
        var result = new float[scored.Pairs.Count];
        var scratch = new float[mined.Pairs.Count];
        for (int t = 0; t < teachers.Count; t++)
        {
            var statistics = ScoreFusion.Standardize(mined.GetScores(teachers[t].Name).Span, scratch);
            var column = scored.GetScores(teachers[t].Name).Span;
            double scale = statistics.StandardDeviation > 0 ? weights[t] / statistics.StandardDeviation : 0;
            for (int i = 0; i < result.Length; i++) result[i] += (float)((column[i] - statistics.Mean) * scale);
        }
        return result;
    }

    // Cosine of the L2-normalized mean region vectors (DnS.Core's built-in coarse model).
    private static float[] ParameterFreeCoarse(IRegionFeatureSource features, SampledPair[] lists)
    {
        var coarse = DnsModels.BuiltIn(features.Regions, features.Dims).Coarse;
        var embeddings = new float[features.Count][];
        Parallel.For(0, features.Count, v => embeddings[v] = coarse.IndexVideo(features.GetFeatures(v).Span));
        var result = new float[lists.Length];
        for (int i = 0; i < lists.Length; i++)
            result[i] = System.Numerics.Tensors.TensorPrimitives.Dot(embeddings[lists[i].Anchor], embeddings[lists[i].Other]);
        return result;
    }

    // Per video: the indices of the videos that share a relevance group with it.
    private static HashSet<int>[] Relevance(IRegionFeatureSource features, IReadOnlyList<IReadOnlyCollection<string>>? groups)
    {
        var relevant = new HashSet<int>[features.Count];
        for (int v = 0; v < relevant.Length; v++) relevant[v] = [];
        if (groups is null) return relevant;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int v = 0; v < features.Count; v++) index[features.GetId(v)] = v;
        foreach (var group in groups)
        {
            var members = group.Where(index.ContainsKey).Select(id => index[id]).Distinct().ToArray();
            foreach (int a in members)
                foreach (int b in members)
                    if (a != b) relevant[a].Add(b);
        }
        return relevant;
    }

    // Positions of the list sorted by score descending; ties keep list order (the lower video index first).
    private static void Rank(ReadOnlySpan<float> scores, int[] order)
    {
        var keys = scores.ToArray();
        for (int j = 0; j < order.Length; j++) order[j] = j;
        var byScore = order.OrderByDescending(j => keys[j]).ToArray();   // stable
        byScore.CopyTo(order, 0);
    }

    private static double AveragePrecision(int[] order, SampledPair[] lists, int start, HashSet<int> relevant)
    {
        double sum = 0;
        int hits = 0;
        for (int rank = 0; rank < order.Length; rank++)
        {
            if (!relevant.Contains(lists[start + order[rank]].Other)) continue;
            hits++;
            sum += (double)hits / (rank + 1);
        }
        return sum / relevant.Count;
    }
}
