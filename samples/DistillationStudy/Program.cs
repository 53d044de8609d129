// DnS.NET distillation study (issue 7's evidence): distil students and a selector on a generated TRAINING corpus
// from (a) the parameter-free chamfer teacher, (b) a self-supervised ViSiL teacher trained on augmented views of that
// corpus, (c) both whitened and fused (Whiten-MTD), and evaluate everything on the disjoint EVALUATION corpus of
// samples/QuickStart (FIVR DSVR mAP). Writes <report>/distillation.md and distillation.json.
//   dotnet run -c Release --project samples/DistillationStudy -- [--report docs] [--epochs 8] [--ssl-steps 300]
// Everything is cached under artifacts/ (corpora, features, views, the SSL teacher, each model folder's work/), so a
// second run only evaluates.
using System.Diagnostics;
using DistillationStudy;
using DnS.Core.Evaluation;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Samples.Corpus;
using DnS.Training.Data;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using DnS.Training.SelfSupervised;
using DnS.Training.Teachers;
using DnS.Training.Weights;
using TorchSharp;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
//   dotnet run -c Release --project samples/DistillationStudy -- teachers FEATURES ANNOTATIONS DATASET [--parts N] [--output DIR]   (teachers alone, no training)
//   … -- combine BUILTIN-INDEX RESNET-INDEX OUTPUT [--weight A]   (the [built-in ; ResNet-18] region vectors of two indexes, as --features both stores them)
//   … -- cascade FEATURES ANNOTATIONS DATASET [--models DIR] [--output DIR]   (the coarse/top-K/DnS/fine cascade on a feature set)
//   … -- distill FEATURES OUTPUT --parts N …   (students and selector from the fused teacher on combined features)
switch (args)
{
    case ["teachers", .. var rest]: return await TeacherComparison.RunAsync(rest, ct);
    case ["combine", var builtInIndex, var resnetIndex, var combinedOutput]: return await CombineCommand.RunAsync(builtInIndex, resnetIndex, combinedOutput, 0.5, ct);
    case ["combine", var builtInIndex, var resnetIndex, var combinedOutput, "--weight", var weight]:
        return await CombineCommand.RunAsync(builtInIndex, resnetIndex, combinedOutput, double.Parse(weight, System.Globalization.CultureInfo.InvariantCulture), ct);
    case ["cascade", .. var rest]: return await CascadeComparison.RunAsync(rest, ct);
    case ["distill", .. var rest]: return await FusedDistillation.RunAsync(rest, ct);
}
var settings = StudySettings.Parse(args);
var total = Stopwatch.StartNew();
string root = settings.Artifacts;

Console.WriteLine("1. corpora: training (clips from 100 on, never evaluated) and the QuickStart evaluation corpus");
var training = await SyntheticCorpus.GenerateAsync(Path.Combine("artifacts", "study-train-corpus"), StudySettings.TrainingCorpus, null, ct);
var evaluation = await SyntheticCorpus.GenerateAsync(Path.Combine("artifacts", "sample-corpus"), new SyntheticCorpusOptions(), null, ct);
Console.WriteLine($"   training {training.Videos.Count} videos, evaluation {evaluation.Videos.Count} videos");

Console.WriteLine("2. features (built-in extractor), once, into feature sets");
using var extractor = new BuiltInFeatureExtractor();
var clock = Stopwatch.StartNew();
await using var trainSet = await BuildFeaturesAsync(Path.Combine(root, "train-features"), training);
await using var evalSet = await BuildFeaturesAsync(Path.Combine(root, "eval-features"), evaluation);
Console.WriteLine($"   {trainSet.Source.Count} + {evalSet.Source.Count} videos in {clock.Elapsed.TotalSeconds:F0} s");

Console.WriteLine($"3. self-supervised teacher: {settings.SslSteps} steps on 2 augmented views per training video");
var ssl = await TrainSelfSupervisedTeacherAsync();
Console.WriteLine($"   {ssl.Path} ({ssl.Seconds:F0} s)");

var chamfer = ChamferTeacher.For(trainSet.Source);
var sslTeacher = NetworkTeacher.LoadViSiL("ssl", ssl.Path, new ViSiLTeacherConfig { Regions = trainSet.Source.Regions });
IReadOnlyList<StudyRun> allRuns =
[
    new("chamfer", "single teacher: parameter-free region chamfer", [chamfer], FusionMethod.MaxMin),
    new("ssl", "single teacher: self-supervised ViSiL", [sslTeacher], FusionMethod.MaxMin),
    new("mtd-maxmin", "Whiten-MTD: chamfer + ssl, whitened, max over positives / min over negatives", [chamfer, sslTeacher], FusionMethod.MaxMin),
    new("mtd-mean", "Whiten-MTD: chamfer + ssl, whitened, mean", [chamfer, sslTeacher], FusionMethod.Mean),
];
var runs = allRuns.Where(r => settings.Runs is null || settings.Runs.Contains(r.Name)).ToList();

var reports = new List<(StudyRun Run, DistillationReport Report, string Folder, double Seconds)>();
var resumed = new List<string>();
foreach (var run in runs)
{
    Console.WriteLine($"4. distil from {run.Description}");
    string folder = Path.Combine(root, $"models-{run.Name}");
    var options = settings.Distillation with { Fusion = new ScoreFusionOptions { Method = run.Fusion } };
    var runClock = Stopwatch.StartNew();
    var report = await DistillAsync(run, folder, options);
    Console.WriteLine($"   fine |student − teacher| {report.Fine.ErrorBefore:F3} → {report.Fine.ErrorAfter:F3}, coarse {report.Coarse.ErrorBefore:F3} → {report.Coarse.ErrorAfter:F3}, " +
                      $"{report.Elapsed.TotalSeconds:F0} s, peak {report.PeakWorkingSetBytes >> 20} MiB");
    reports.Add((run, report, folder, runClock.Elapsed.TotalSeconds));
}

Console.WriteLine("5. evaluation on the evaluation corpus (FIVR DSVR mAP)");
var annotations = await FivrAnnotations.LoadAsync(evaluation.AnnotationPath, ct);
var teacherMap = new Dictionary<string, double>
{
    ["chamfer"] = TeacherEvaluation.MeanAveragePrecision(chamfer, evalSet.Source, evaluation, annotations, ct),
    ["ssl"] = TeacherEvaluation.MeanAveragePrecision(sslTeacher, evalSet.Source, evaluation, annotations, ct),
};
var features = EvaluationCorpus.ForTradeOff(evaluation, evalSet.Source);
var builtIn = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions);
var configurations = new List<(string, DnsModels, IReadOnlyList<SelectorPolicy>)>
{
    ("built-in", builtIn, [SelectorPolicy.CoarseOnly, SelectorPolicy.FineOnly, SelectorPolicy.TopK(StudySettings.TopK)]),
};
var selectors = new Dictionary<string, SelectorAccuracy.Result>();
foreach (var (run, _, folder, _) in reports)
{
    var models = DnsModels.Load(folder);
    configurations.Add((run.Name, models, StudySettings.Policies));
    selectors[run.Name] = SelectorAccuracy.Evaluate(models, evaluation, features);
}
var rows = await TradeOffStudy.RunAsync(evaluation, features, configurations, ct);
foreach (var row in rows) Console.WriteLine($"   {row.Configuration,-28} mAP {row.MeanAveragePrecision:F4}  {row.MillisecondsPerQuery,7:F2} ms/query");

var study = new StudyResult(settings.Command, training.Videos.Count, evaluation.Videos.Count, ssl.Seconds, settings.SslSteps, teacherMap,
    reports.Select(r => new StudyResult.RunResult(r.Run.Name, r.Run.Description, r.Report, selectors[r.Run.Name], r.Folder, r.Seconds, resumed.Count(n => n == r.Run.Name))).ToList(),
    rows, total.Elapsed, Process.GetCurrentProcess().PeakWorkingSet64);
await StudyReport.WriteAsync(study, settings.Report, ct);
Console.WriteLine($"report written to {Path.Combine(settings.Report, StudyReport.MarkdownFile)} in {total.Elapsed.TotalMinutes:F1} min");
return 0;

// TorchSharp 0.107 can finalize a Scalar argument while libtorch still reads it (rare, under GC pressure; it surfaces
// as libtorch's "Unknown scalar type" or "toFloat" check). The pipeline checkpoints every 200 steps, so a failed
// attempt resumes from its last checkpoint instead of failing the whole study.
async Task<DistillationReport> DistillAsync(StudyRun run, string folder, DistillationOptions options)
{
    for (int attempt = 1; ; attempt++)
    {
        try
        {
            return await DistillationPipeline.RunAsync(trainSet.Source, run.Teachers, folder, options, new LineProgress(), ct);
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (attempt < 5)
        {
            Console.WriteLine($"   libtorch failed ({e.Message.Split('\n')[0].Trim()}); resuming from the last checkpoint");
            resumed.Add(run.Name);
        }
    }
}

async Task<FeatureSet> BuildFeaturesAsync(string directory, SyntheticCorpus corpus)
{
    var report = await new FeatureSetBuilder(extractor).BuildAsync(directory, corpus.Videos.Select(v => new VideoSource(v.Id, v.Path)).ToList(), null, ct);
    if (report.Failed.Count > 0) throw new InvalidOperationException($"feature extraction failed for {string.Join(", ", report.Failed.Select(f => f.Source.Path))}");
    return await FeatureSetBuilder.OpenAsync(directory, ct);
}

// The teacher file is kept per step count and seed: a rerun with the same settings reuses it.
async Task<(string Path, double Seconds)> TrainSelfSupervisedTeacherAsync()
{
    string path = Path.Combine(root, $"ssl-teacher-{settings.SslSteps}.safetensors");
    string timing = path + ".seconds";
    if (File.Exists(path) && File.Exists(timing)) return (path, double.Parse(await File.ReadAllTextAsync(timing, ct), System.Globalization.CultureInfo.InvariantCulture));
    var views = new AugmentedViewExtractor(extractor, viewsPerVideo: 2, seed: 0);
    await using var store = await FileVideoStore.CreateOrOpenAsync(Path.Combine(root, "train-views"), views.Schema, ct);
    var extracting = Stopwatch.StartNew();
    var extracted = await views.ExtractAsync(training.Videos.Select(v => new VideoSource(v.Id, v.Path)).ToList(), store, cancellationToken: ct);
    if (extracted.Failed.Count > 0) throw new InvalidOperationException($"view extraction failed for {string.Join(", ", extracted.Failed.Select(f => f.Source.Path))}");
    Console.WriteLine($"   views extracted in {extracting.Elapsed.TotalSeconds:F0} s");
    torch.random.manual_seed(0);
    using var teacher = new ViSiLTeacherModule(extractor.Dimensions);
    var trainingClock = Stopwatch.StartNew();
    using (var trainer = new SelfSupervisedTeacherTrainer(teacher, new StoreFeatureSource(store), settings.SelfSupervised))
        await trainer.TrainAsync(settings.SslSteps, new Progress<SelfSupervisedProgress>(p =>
        {
            if (p.Step % 50 == 0 || p.Step == p.Steps) Console.WriteLine($"   step {p.Step}/{p.Steps} InfoNCE {p.Losses.InfoNce:F3} total {p.Losses.Total:F3} ETA {p.Remaining:mm\\:ss}");
        }), ct);
    double seconds = trainingClock.Elapsed.TotalSeconds;
    teacher.eval();
    await teacher.ExportSafeTensorsAsync(path, ct);
    await File.WriteAllTextAsync(timing, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
    return (path, seconds);
}
