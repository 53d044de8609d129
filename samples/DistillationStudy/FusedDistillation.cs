using System.Globalization;
using DnS.Core.Evaluation;
using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Distillation;
using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>
/// <c>distill FEATURES OUTPUT --parts N [--teacher early|mtd] [--annotations FILE] [--anchors COUNT] [--epochs E] [--steps S] [--batch B]
/// [--max-frames F] [--threads T] [--coarse full|small] [--fine attention|binary] [--calibration centered|reference]</c>: <see cref="DistillationPipeline"/>
/// on a combined feature set (<see cref="FeatureCombiner"/>) from a fused teacher of docs/distillation.md: the early
/// fusion (the region chamfer on the whole concatenation, default) or Whiten-MTD (<c>mtd</c>: mean of z-scores,
/// <see cref="FusionMethod.Mean"/>) of the region chamfer on the built-in part (its first N dims) and the early fusion; with the held-out self-check on (labeled by <c>--annotations</c>: a query
/// with its ND and DS videos). <c>--coarse small</c> keeps only the coarse student's region attention (no transformer, no
/// NetVLAD: an attention-weighted mean of the regions, 0.4 M parameters at D = 640 instead of 13 M).
/// </summary>
internal static class FusedDistillation
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        if (args is not [var features, var output, .. var options] || options.Length % 2 != 0)
        {
            Console.Error.WriteLine("usage: distill FEATURES OUTPUT --parts N [--teacher early|mtd] [--annotations FILE] [--anchors COUNT] [--epochs E] [--steps S] [--batch B] [--max-frames F] [--threads T] [--coarse full|small] [--fine attention|binary] [--calibration centered|reference]");
            return 2;
        }
        var named = options.Chunk(2).ToDictionary(o => o[0], o => o[1], StringComparer.Ordinal);
        int Int(string name, int fallback) => named.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        int parts = Int("--parts", 0);
        if (parts <= 0) throw new ArgumentException("distill needs --parts N, the built-in part's dimensions of the combined features");

        await using var set = await FeatureSetBuilder.OpenAsync(features, ct);
        var source = set.Source;
        IPairTeacher early = ChamferTeacher.For(source, "early-fusion");
        IPairTeacher[] teachers = named.GetValueOrDefault("--teacher", "early") == "mtd" ? [new PartTeacher("builtin-whitened", source.Regions, 0, parts), early] : [early];
        var training = new TrainingOptions
        {
            Epochs = Int("--epochs", 1),
            Steps = named.ContainsKey("--steps") ? Int("--steps", 0) : null,
            BatchSize = Int("--batch", 32),
            MaxFrames = Int("--max-frames", 64),
            Threads = named.ContainsKey("--threads") ? Int("--threads", 2) : null,
        };
        var distillation = new DistillationOptions
        {
            FineVariant = named.GetValueOrDefault("--fine", "attention") == "binary" ? FineGrainedVariant.Binary : FineGrainedVariant.Attention,
            Coarse = named.GetValueOrDefault("--coarse", "full") == "small" ? new CoarseStudentShape { Transformer = false, NetVlad = false } : new CoarseStudentShape(),
            Sampling = new PairSamplerOptions { AnchorCount = named.ContainsKey("--anchors") ? Int("--anchors", 0) : null },
            Fusion = new ScoreFusionOptions { Method = FusionMethod.Mean },
            FineTraining = training,
            CoarseTraining = training with { LearningRate = 1e-4 },
            SelectorTraining = training,
            FineCalibration = named.GetValueOrDefault("--calibration", "centered") switch
            {
                "centered" => null,
                "reference" => FineScoreCalibration.Reference,
                var other => throw new ArgumentException($"--calibration must be centered or reference, not '{other}'"),
            },
            Relevance = named.TryGetValue("--annotations", out var path) ? await CopyGroupsAsync(path, ct) : null,
        };
        var report = await DistillationPipeline.RunAsync(source, teachers, output, distillation, new LineProgress(), ct);
        Console.WriteLine(report.ToJson());
        return report.Installed ? 0 : 4;
    }

    // A FIVR query with its near-duplicate and duplicate-scene videos are copies of one another.
    private static async Task<IReadOnlyList<IReadOnlyCollection<string>>> CopyGroupsAsync(string path, CancellationToken ct)
    {
        var annotations = await FivrAnnotations.LoadAsync(path, ct);
        var relevant = FivrTask.DSVR.RelevantLabels();
        return annotations.Queries.Select(q => (IReadOnlyCollection<string>)q.Labels.Where(l => relevant.Contains(l.Key)).SelectMany(l => l.Value).Prepend(q.Query).ToList()).ToList();
    }

    /// <summary>The region chamfer on one part of combined features (<see cref="PartSource"/>), as a teacher of the whole set.</summary>
    private sealed class PartTeacher(string name, int regions, int offset, int dims) : IPairTeacher
    {
        private readonly ChamferTeacher _chamfer = new(regions, dims, name);

        public string Name => name;

        public float Score(IRegionFeatureSource source, int query, int target) => _chamfer.Score(new PartSource(source, offset, dims), query, target);
    }
}
