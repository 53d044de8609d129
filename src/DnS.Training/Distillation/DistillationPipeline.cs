using System.Diagnostics;
using System.Text.Json;
using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Modules;
using DnS.Training.Teachers;
using DnS.Training.Weights;
using static TorchSharp.torch;

namespace DnS.Training.Distillation;

/// <summary>
/// Distill-and-Select end to end on an unlabeled corpus (method §1.5, §2): mine pairs with the first teacher, score
/// them with every teacher (cached), whiten and fuse the teachers, hold out a seeded part of the anchors, distil the fine
/// student, then the coarse student, check both on the held-out anchors against the parameter-free models, train the
/// selector on where the two disagree under the folder's <see cref="DistillationOptions.FineCalibration"/>, and write a
/// model folder <see cref="DnsModels.Load(string)"/> opens — into the output folder when the students pass the self-check,
/// else into its <see cref="RejectedFolder"/> subfolder (the output folder's models, if any, stay as they were).
/// </summary>
/// <remarks>
/// Everything resumable lives in <c>&lt;output&gt;/work</c>: the teacher scores (re-used while the corpus, the teachers and
/// the sampling options are unchanged) and one checkpoint per network, so a canceled or crashed run continues where it
/// stopped. Networks that finished are not retrained.
/// </remarks>
public static class DistillationPipeline
{
    /// <summary>The folder of resumable state inside the output folder.</summary>
    public const string WorkFolder = "work";

    /// <summary>The subfolder of the output folder that keeps students the self-check refused (with their report).</summary>
    public const string RejectedFolder = "rejected";

    /// <summary>The report written beside the models.</summary>
    public const string ReportFileName = "distill-report.json";

    // A selector whose training pairs have no label-1 (or label-0) pair reports NaN for that class's accuracy: written as "NaN".
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Runs the whole distillation and writes the model folder.</summary>
    /// <param name="features">The training corpus (raw region features).</param>
    /// <param name="teachers">One or more teachers; the first also mines the pairs.</param>
    /// <param name="outputDirectory">The model folder (created; its work folder keeps the resumable state).</param>
    /// <param name="options">What to train.</param>
    /// <param name="progress">Stage, units done and loss.</param>
    /// <param name="cancellationToken">Stops between pairs or steps; checkpoints are written first.</param>
    /// <exception cref="ArgumentException">No teacher, a corpus under two videos, teachers with equal names, or an invalid option (<see cref="DistillationOptions.Validate"/>).</exception>
    /// <exception cref="OperationCanceledException">Canceled; run again to resume.</exception>
    public static async Task<DistillationReport> RunAsync(IRegionFeatureSource features, IReadOnlyList<IPairTeacher> teachers, string outputDirectory,
        DistillationOptions? options = null, IProgress<DistillationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        options ??= new DistillationOptions();
        options.Validate();
        if (teachers.Count == 0) throw new ArgumentException("distillation needs at least one teacher", nameof(teachers));
        var clock = Stopwatch.StartNew();
        string work = Path.Combine(outputDirectory, WorkFolder);
        Directory.CreateDirectory(work);

        var cache = await ScoreTeachersAsync(features, teachers, work, options.Sampling, options.Parallelism, progress, cancellationToken).ConfigureAwait(false);
        var split = HeldOutSplit.Create(ScoreFusion.Fuse(cache, options.Fusion), features.Count, options.HeldOutFraction, options.Sampling.Seed);
        var pairs = split.Training;

        // The networks' initial weights come from libtorch's global generator: seeded, so a run repeats.
        TorchSharp.torch.manual_seed(StepSeeds.Derive(options.FineTraining.Seed, 2, StepSeeds.Initialization));
        // FineGrainedVariant.ParameterFree trains no fine student: the folder re-ranks with the region chamfer.
        using var fine = options.FineVariant != FineGrainedVariant.ParameterFree ? new FineGrainedStudentModule(options.FineVariant, features.Dims, options.Bits ?? features.Dims) : null;
        using var fineTrainer = fine is null ? null : new FineStudentTrainer(fine, features, pairs, Checkpointed(options.FineTraining, work, "fine"));
        // A coarse similarity is a cosine, near 0 for unrelated videos; the teacher scores them at its own baseline. With a
        // fitted calibration the coarse student learns the teacher's score minus that baseline (fitting it instead pulls
        // every video vector together) and the folder maps fine scores by s − baseline onto the coarse scale.
        float baseline = options.FineCalibration is null ? DistractorBaseline(pairs) : 0f;
        var coarsePairs = baseline == 0 ? pairs : pairs.Select(p => p with { Target = p.Target - baseline }).ToList();
        var calibration = options.FineCalibration ?? new FineScoreCalibration(1, -baseline);
        using var coarse = options.Coarse.Create(features.Dims);
        using var coarseTrainer = new CoarseStudentTrainer(coarse, features, coarsePairs, Checkpointed(options.CoarseTraining, work, "coarse"));
        using var selector = options.TrainSelector ? new SelectorNetworkModule(features.Dims) : null;

        // Every pass over the pairs runs the exported networks on DnS.Core (seconds), not libtorch (minutes).
        var initial = await ExportedNetworks.ExportAsync(Path.Combine(work, "initial"), coarse, fine, selector, features, options.FineCalibration,
            options.Parallelism, cancellationToken).ConfigureAwait(false);
        double fineBefore = Error(pairs, initial.FineSimilarities(pairs));
        var fineReport = fineTrainer is null ? new StageReport(0, null, fineBefore, fineBefore, TimeSpan.Zero)
            : TrainStudent(fineTrainer, fineBefore, DistillationStage.FineStudent, progress, cancellationToken);
        var coarseReport = TrainStudent(coarseTrainer, Error(coarsePairs, initial.CoarseSimilarities(pairs)), DistillationStage.CoarseStudent, progress, cancellationToken);
        var students = await ExportedNetworks.ExportAsync(Path.Combine(work, "students"), coarse, fine, null, features, options.FineCalibration,
            options.Parallelism, cancellationToken).ConfigureAwait(false);
        float[] fineSimilarities = students.FineSimilarities(pairs), coarseSimilarities = students.CoarseSimilarities(pairs);
        fineReport = fineReport with { ErrorAfter = Error(pairs, fineSimilarities) };
        coarseReport = coarseReport with { ErrorAfter = Error(coarsePairs, coarseSimilarities) };

        SelfCheckReport? check = null;
        if (split.Anchors.Length > 0)
        {
            check = await SelfCheck.RunAsync(features, split.Anchors, teachers, cache, students.FineSimilarities, students.CoarseSimilarities, options, work,
                ForwardScoring(progress, DistillationStage.SelfCheck), cancellationToken).ConfigureAwait(false);
        }
        // The coarse student decides whether anything is installed; a fine student that ranks below the region chamfer is
        // replaced by the chamfer in the installed folder. Refused students are kept in the rejected folder.
        bool installed = check?.CoarseStudentPassed ?? true;
        bool chamferFine = fine is null || (installed && check is { FineStudentPassed: false });
        if (check is { Passed: false })
        {
            await ModelFolderWriter.WriteAsync(Path.Combine(outputDirectory, RejectedFolder), coarse, fine, null, features.Regions, calibration, cancellationToken)
                .ConfigureAwait(false);
        }
        var installedFine = chamferFine ? null : fine;

        StageReport? selectorReport = null;
        SelectorEvaluation? selectorAccuracy = null;
        // Refused students get no selector: it would only learn where two networks nobody installs disagree.
        bool withSelector = selector is not null && installed;
        if (withSelector)
        {
            // The selector learns where the installed fine stage disagrees with the coarse student: the chamfer when it
            // replaced the fine student.
            float[] installedFineSimilarities = chamferFine && fine is not null
                ? (await ExportedNetworks.ExportAsync(Path.Combine(work, "students"), coarse, null, null, features, calibration, options.Parallelism, cancellationToken)
                    .ConfigureAwait(false)).FineSimilarities(pairs)
                : fineSimilarities;
            var selectorPairs = SelectorPairs.From(pairs, installedFineSimilarities, coarseSimilarities);
            using var trainer = new SelectorTrainer(selector!, features, selectorPairs, Checkpointed(options.SelectorTraining, work, "selector"),
                calibration, options.SelectorThreshold);
            selectorReport = TrainSelector(trainer, trainer.Evaluate(selectorPairs, initial.SelectorProbabilities(selectorPairs)), progress, cancellationToken);
            var trained = await ExportedNetworks.ExportAsync(Path.Combine(work, "students"), coarse, installedFine, selector, features, calibration,
                options.Parallelism, cancellationToken).ConfigureAwait(false);
            selectorAccuracy = trainer.Evaluate(selectorPairs, trained.SelectorProbabilities(selectorPairs));
            selectorReport = selectorReport with { ErrorAfter = SelectorError(selectorAccuracy.Value) };
        }

        progress?.Report(new DistillationProgress(DistillationStage.Export, 0, 1, float.NaN, TimeSpan.Zero));
        string modelDirectory = installed ? outputDirectory : Path.Combine(outputDirectory, RejectedFolder);
        if (installed)
        {
            await ModelFolderWriter.WriteAsync(outputDirectory, coarse, installedFine, withSelector ? selector : null, features.Regions, calibration, cancellationToken)
                .ConfigureAwait(false);
        }

        var report = new DistillationReport(features.Count, CountAnchors(pairs), CountKinds(pairs), cache.TeacherNames,
            fineReport, coarseReport, selectorReport, selectorAccuracy, clock.Elapsed, Process.GetCurrentProcess().PeakWorkingSet64, check, Path.GetFullPath(modelDirectory),
            ChamferFine: chamferFine);
        await File.WriteAllTextAsync(Path.Combine(modelDirectory, ReportFileName), report.ToJson(), cancellationToken).ConfigureAwait(false);
        progress?.Report(new DistillationProgress(DistillationStage.Export, 1, 1, float.NaN, TimeSpan.Zero));
        return report;
    }

    /// <summary>
    /// Mines pairs with the first teacher and scores them with every teacher, or re-uses the scores cached in
    /// <paramref name="work"/> while the corpus, the teachers and the sampling options are those of the cached run
    /// (mining and scoring are the slow, teacher-bound part).
    /// </summary>
    public static async Task<TeacherScoreCache> ScoreTeachersAsync(IRegionFeatureSource features, IReadOnlyList<IPairTeacher> teachers, string work,
        PairSamplerOptions sampling, int parallelism = 2, IProgress<DistillationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (teachers.Count == 0) throw new ArgumentException("scoring needs at least one teacher", nameof(teachers));
        Directory.CreateDirectory(work);
        string cachePath = Path.Combine(work, "teacher-scores.bin");
        string samplingPath = Path.Combine(work, "sampling.json");
        string fingerprint = JsonSerializer.Serialize(new { Miner = teachers[0].Name, Sampling = sampling }, Json);
        IReadOnlyList<SampledPair>? pairs = null;
        if (File.Exists(cachePath) && File.Exists(samplingPath) && await File.ReadAllTextAsync(samplingPath, cancellationToken).ConfigureAwait(false) == fingerprint)
        {
            try
            {
                var cached = await TeacherScoreCache.LoadAsync(cachePath, features, cancellationToken).ConfigureAwait(false);
                if (teachers.All(t => cached.TeacherNames.Contains(t.Name)) && cached.TeacherNames.Count == teachers.Count) return cached;
                pairs = cached.Pairs;
            }
            catch (InvalidDataException)
            {
                // Another corpus or a damaged file: mine and score again.
            }
        }

        if (pairs is null)
        {
            var mining = ForwardScoring(progress, DistillationStage.Mining);
            pairs = await new PairSampler(sampling).SampleAsync(features, teachers[0], mining, cancellationToken).ConfigureAwait(false);
        }
        var scored = await TeacherScoreCache.ScoreAsync(features, pairs, teachers, ForwardScoring(progress, DistillationStage.TeacherScoring),
            parallelism, cancellationToken).ConfigureAwait(false);
        await scored.SaveAsync(cachePath, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(samplingPath, fingerprint, cancellationToken).ConfigureAwait(false);
        return scored;
    }

    /// <summary>
    /// Trains a student to the end of its run — resuming from its checkpoint folder when one is there. The report's
    /// errors are left to the caller, who scores the pairs with the exported networks: <paramref name="errorBefore"/> is
    /// written as given, the error after is <see cref="double.NaN"/> until the caller sets it.
    /// </summary>
    public static StageReport TrainStudent<TModule>(StudentTrainer<TModule> trainer, double errorBefore, DistillationStage stage,
        IProgress<DistillationProgress>? progress, CancellationToken cancellationToken) where TModule : TorchSharp.torch.nn.Module
    {
        // A checkpoint of this run continues; one trained on other pairs or targets (another teacher, a retrained
        // student) is discarded and the network trains from the start.
        CheckpointFolder.TryResume(trainer.Options.CheckpointDirectory, trainer.LoadCheckpoint, out _);
        var clock = Stopwatch.StartNew();
        var last = trainer.Train(Forward(progress, stage), cancellationToken);
        return new StageReport(trainer.Step, LossOf(last), errorBefore, double.NaN, clock.Elapsed);
    }

    /// <summary>
    /// Trains the selector to the end of its run (resuming like <see cref="TrainStudent"/>). Its error is 1 − the balanced
    /// accuracy: before training from <paramref name="before"/>, after training <see cref="double.NaN"/> until the caller,
    /// who evaluates the trained selector, sets it (<see cref="SelectorError"/>).
    /// </summary>
    public static StageReport TrainSelector(SelectorTrainer trainer, SelectorEvaluation before, IProgress<DistillationProgress>? progress, CancellationToken cancellationToken)
    {
        CheckpointFolder.TryResume(trainer.Options.CheckpointDirectory, trainer.LoadCheckpoint, out _);
        var clock = Stopwatch.StartNew();
        var last = trainer.Train(Forward(progress, DistillationStage.Selector), cancellationToken);
        return new StageReport(trainer.Step, LossOf(last), SelectorError(before), double.NaN, clock.Elapsed);
    }

    /// <summary>A selector's error in a <see cref="StageReport"/>: 1 − its balanced accuracy (the mean of the two classes').</summary>
    public static double SelectorError(SelectorEvaluation evaluation) => 1 - (evaluation.PositiveAccuracy + evaluation.NegativeAccuracy) / 2;

    /// <summary>The median teacher target of the distractor pairs (0 without any): the teacher's score of unrelated videos.</summary>
    internal static float DistractorBaseline(IReadOnlyList<ScoredPair> pairs)
    {
        var targets = pairs.Where(p => p.Kind == PairKind.Distractor).Select(p => p.Target).Order().ToArray();
        return targets.Length == 0 ? 0f : targets[targets.Length / 2];
    }

    private static double Error(IReadOnlyList<ScoredPair> pairs, float[] similarities) => StudentTrainer<FineGrainedStudentModule>.MeanAbsoluteError(pairs, similarities);

    private static float? LossOf(TrainingProgress last) => float.IsNaN(last.RunningLoss) ? null : last.RunningLoss;

    private static TrainingOptions Checkpointed(TrainingOptions options, string work, string network) =>
        options with { CheckpointDirectory = options.CheckpointDirectory ?? Path.Combine(work, network), CheckpointEvery = options.CheckpointEvery > 0 ? options.CheckpointEvery : 200 };

    private static IProgress<TrainingProgress>? Forward(IProgress<DistillationProgress>? progress, DistillationStage stage) => progress is null ? null
        : new SynchronousProgress<TrainingProgress>(p => progress.Report(new DistillationProgress(stage, p.Step, p.TotalSteps, p.RunningLoss, p.Remaining)));

    private static IProgress<ScoringProgress>? ForwardScoring(IProgress<DistillationProgress>? progress, DistillationStage stage) => progress is null ? null
        : new SynchronousProgress<ScoringProgress>(p => progress.Report(new DistillationProgress(stage, p.Completed, p.Total, float.NaN, p.Remaining ?? TimeSpan.Zero)));

    private static int CountAnchors(IReadOnlyList<ScoredPair> pairs)
    {
        var anchors = new HashSet<int>();
        foreach (var pair in pairs) anchors.Add(pair.Anchor);
        return anchors.Count;
    }

    private static Dictionary<string, int> CountKinds(IReadOnlyList<ScoredPair> pairs)
    {
        var counts = Enum.GetValues<PairKind>().ToDictionary(k => k.ToString(), _ => 0);
        foreach (var pair in pairs) counts[pair.Kind.ToString()]++;
        return counts;
    }

    // Reports on the caller's thread (Progress<T> would post to the thread pool and reorder reports).
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
