using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using DnS.Samples.Corpus;

namespace DistillationStudy;

/// <summary>Writes the study as markdown tables (distillation.md) and as JSON (distillation.json).</summary>
internal static class StudyReport
{
    public const string MarkdownFile = "distillation.md";
    public const string JsonFile = "distillation.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task WriteAsync(StudyResult study, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(study, Json), cancellationToken);
        // The written discussion below the marker survives a rerun; the tables above it are regenerated.
        string path = Path.Combine(directory, MarkdownFile);
        string discussion = "";
        if (File.Exists(path))
        {
            string previous = await File.ReadAllTextAsync(path, cancellationToken);
            int marker = previous.IndexOf(DiscussionMarker, StringComparison.Ordinal);
            if (marker >= 0) discussion = previous[(marker + DiscussionMarker.Length)..].TrimStart('\r', '\n');
        }
        await File.WriteAllTextAsync(path, Markdown(study, discussion), cancellationToken);
    }

    private const string DiscussionMarker = "<!-- discussion: written by hand, kept when the study is rerun -->";

    private static string Markdown(StudyResult s, string discussion)
    {
        var md = new StringWriter(CultureInfo.InvariantCulture);
        double builtInCoarse = s.Map("built-in, coarse"), builtInFine = s.Map("built-in, fine");
        md.WriteLine("# Distillation study (issue 7): teachers, students, selector, Whiten-MTD");
        md.WriteLine();
        md.WriteLine($"Training corpus: {s.TrainingVideos} generated videos (`SyntheticCorpus` with `FirstClip = 100, Sources = 10, Distractors = 25`: " +
                     "lavfi sources from clip 100 on, 8 edits each, distractors), used **without its labels**. Evaluation corpus: the " +
                     $"{s.EvaluationVideos} videos of `samples/QuickStart` (default options, clips 0–15), disjoint from training, never trained on. " +
                     "Features: the built-in frame descriptor (R = 9, D = 128, 1 frame/s), extracted once into feature stores. " +
                     "mAP: FIVR DSVR protocol, the copies of a source are relevant, every query scored against every video. " +
                     $"Machine: {Environment.ProcessorCount} cores (shared with other jobs), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, TorchSharp CPU.");
        md.WriteLine();
        md.WriteLine($"Reproduce: `{s.Command}` (this run {s.Elapsed.TotalMinutes:F1} min including the evaluation, " +
                     $"peak memory {s.PeakWorkingSetBytes >> 20} MiB for the whole process; corpora, features and augmented views are made by the first run and cached under artifacts/).");
        md.WriteLine();

        md.WriteLine("## Teachers alone (evaluation corpus)");
        md.WriteLine();
        md.WriteLine("| teacher | mAP |");
        md.WriteLine("|---|---:|");
        md.WriteLine($"| chamfer (parameter-free region chamfer = built-in fine) | {s.TeacherMeanAveragePrecision["chamfer"]:F4} |");
        md.WriteLine($"| ssl (ViSiL trained self-supervised, {s.SelfSupervisedSteps} steps, {s.SelfSupervisedSeconds:F0} s) | {s.TeacherMeanAveragePrecision["ssl"]:F4} |");
        md.WriteLine();

        md.WriteLine("## Students, DnS and selector (evaluation corpus)");
        md.WriteLine();
        md.WriteLine($"Parameter-free baselines (built-in models): coarse (mean of region vectors) **{builtInCoarse:F4}**, fine (region chamfer) {builtInFine:F4}, " +
                     $"top-{StudySettings.TopK} {s.Map($"built-in, topk:{StudySettings.TopK}"):F4}.");
        md.WriteLine();
        md.WriteLine($"| distilled from | fine student | coarse student | DnS 5 % | DnS 30 % | top-{StudySettings.TopK} | selector accuracy (re-rank / keep) |");
        md.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var run in s.Runs)
        {
            var sel = run.EvaluationSelector;
            md.WriteLine($"| {run.Description} | {s.Map($"{run.Name}, fine"):F4} | {s.Map($"{run.Name}, coarse"):F4} | {s.Map($"{run.Name}, dns:0.05"):F4} | " +
                         $"{s.Map($"{run.Name}, dns:0.3"):F4} | {s.Map($"{run.Name}, topk:{StudySettings.TopK}"):F4} | " +
                         $"{sel.Accuracy:P1} ({sel.ReRankAccuracy:P1} of {sel.ReRankPairs} / {sel.KeepAccuracy:P1} of {sel.KeepPairs}) |");
        }
        md.WriteLine();
        md.WriteLine("DnS ranks re-ranked pairs by Map(fine), the others by coarse; Map is each model folder's fine score calibration " +
                     "(`DistillationOptions.FineCalibration`; default s − b, b the teacher's median distractor score, which the coarse student learns to subtract). " +
                     "Selector accuracy: on the evaluation corpus's query × video pairs; label = |Map(fine) − coarse| > 0.2 with that model set's own " +
                     "fine and coarse students and calibration (the training label), prediction = probability ≥ 0.5.");
        md.WriteLine();
        foreach (var run in s.Runs)
        {
            double coarse = s.Map($"{run.Name}, coarse");
            string verdict = coarse > builtInCoarse ? "ranks better than" : coarse == builtInCoarse ? "ranks the same as" : "ranks **worse** than";
            md.WriteLine($"* {run.Name}: the distilled coarse student ({coarse:F4}) {verdict} the parameter-free coarse ({builtInCoarse:F4}), " +
                         $"{coarse - builtInCoarse:+0.0000;-0.0000}; the fine student {s.Map($"{run.Name}, fine") - builtInFine:+0.0000;-0.0000} against the chamfer.");
        }
        md.WriteLine();

        md.WriteLine("## Training cost (this machine)");
        md.WriteLine();
        md.WriteLine("| distilled from | anchors | pairs (positive / anchor negative / distractor) | fine: steps, s, mean abs error before → after | coarse: steps, s, error before → after | selector: steps, s | wall s | peak MiB |");
        md.WriteLine("|---|---:|---|---|---|---|---:|---:|");
        foreach (var run in s.Runs)
        {
            var r = run.Training;
            string pairs = string.Join(" / ", r.Pairs.Values);
            string selector = r.Selector is { } sel ? $"{sel.Steps}, {sel.Elapsed.TotalSeconds:F0}" : "–";
            md.WriteLine($"| {run.Name} | {r.Anchors} | {pairs} | {r.Fine.Steps}, {r.Fine.Elapsed.TotalSeconds:F0}, {r.Fine.ErrorBefore:F3} → {r.Fine.ErrorAfter:F3} | " +
                         $"{r.Coarse.Steps}, {r.Coarse.Elapsed.TotalSeconds:F0}, {r.Coarse.ErrorBefore:F3} → {r.Coarse.ErrorAfter:F3} | {selector} | " +
                         $"{run.WallSeconds:F0}{(run.Resumptions > 0 ? $" ({run.Resumptions} resumed)" : "")} | {r.PeakWorkingSetBytes >> 20} |");
        }
        md.WriteLine();
        md.WriteLine("Wall time per run includes mining and scoring the pairs with the teacher(s). Per-network steps and seconds are those of the last " +
                     "attempt: a run resumed from its work/ folder (after a libtorch failure, or a cached earlier run) reports only what that attempt did. " +
                     "Peak memory is the process's peak resident set so far (one process runs the whole study).");
        md.WriteLine();

        md.WriteLine("## All retrieval rows");
        md.WriteLine();
        md.WriteLine("| configuration | mAP | ms/query | KB/video | fine pairs/query |");
        md.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in s.Retrieval)
            md.WriteLine($"| {r.Configuration} | {r.MeanAveragePrecision:F4} | {r.MillisecondsPerQuery:F2} | {r.KilobytesPerVideo:F2} | {r.FinePairsPerQuery:F1} |");
        md.WriteLine();
        md.WriteLine(DiscussionMarker);
        md.Write(discussion);
        return md.ToString();
    }
}
