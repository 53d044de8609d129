using System.Diagnostics;
using System.Text.Json;
using DnS.Core.Text;
using DnS.Training.Distillation;
using DnS.Training.Weights;

namespace DnS.Training.Text;

/// <summary>How <see cref="TextDistillation.RunAsync"/> trains the fast text side.</summary>
public sealed record TextDistillationOptions
{
    /// <summary>Steps, queries per step, rate, seed, frame cap; the checkpoint folder defaults to <c>&lt;output&gt;/work/checkpoint</c>.</summary>
    public TrainingOptions Training { get; init; } = new() { Steps = 300, BatchSize = 16, MaxFrames = 512 };

    /// <summary>τ of the teacher's attention (<see cref="TextVideoScoring.SlowScore"/>); CLIP's 1 / logit scale is the natural choice.</summary>
    public double TeacherTemperature { get; init; } = 0.01;

    /// <summary>τ of the score distributions the loss compares.</summary>
    public double Temperature { get; init; } = TextDistillationTrainer.DefaultTemperature;

    /// <summary>Videos ranked per step.</summary>
    public int VideosPerStep { get; init; } = TextDistillationTrainer.DefaultVideosPerStep;

    /// <summary>Every this-many-th query (the 5th, 10th, ...) is held out of training to measure agreement on queries the student never saw.</summary>
    public int HeldOutEvery { get; init; } = 5;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Training);
        Training.Validate();
        if (!(TeacherTemperature > 0) || !double.IsFinite(TeacherTemperature)) throw new ArgumentOutOfRangeException(nameof(TeacherTemperature), TeacherTemperature, "must be a positive finite number");
        if (!(Temperature > 0) || !double.IsFinite(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be a positive finite number");
        ArgumentOutOfRangeException.ThrowIfLessThan(VideosPerStep, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(HeldOutEvery, 2);
    }
}

/// <summary>The outcome of <see cref="TextDistillation.RunAsync"/> (also written as <c>text-distill-report.json</c>).</summary>
/// <param name="Videos">Videos scored.</param>
/// <param name="TrainQueries">Queries trained on.</param>
/// <param name="HeldOutQueries">Queries held out.</param>
/// <param name="Steps">Steps trained in all (including those of a resumed checkpoint).</param>
/// <param name="ResumedAt">The step a checkpoint resumed at, or 0.</param>
/// <param name="TrainBefore">Teacher-vs-student agreement on the training queries with the untrained student (mean pooling).</param>
/// <param name="HeldOutBefore">The same on the held-out queries.</param>
/// <param name="HeldOutAfter">The same after training.</param>
/// <param name="TrainAfter">Agreement on the training queries after training.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record TextDistillationReport(int Videos, int TrainQueries, int HeldOutQueries, long Steps, long ResumedAt,
    TextAgreement TrainBefore, TextAgreement HeldOutBefore, TextAgreement TrainAfter, TextAgreement HeldOutAfter, TimeSpan Elapsed);

/// <summary>
/// Slow → fast distillation of text search (issue #13 part 5, <i>Thinking Fast and Slow</i>): the parameter-free slow
/// model (<see cref="TextVideoScoring.SlowScore"/>, the teacher) scores every query of a text file against every video
/// of the user's library, and the fast side (<see cref="TextPoolingModule"/>) learns to reproduce its rankings. The
/// output folder gets the weights (<see cref="WeightsFileName"/>, loaded by <see cref="LearnedFramePooling.Load"/>) and
/// the report; its work folder keeps the checkpoint, so a rerun resumes.
/// </summary>
public static class TextDistillation
{
    /// <summary>The fast side's weights in the output folder.</summary>
    public const string WeightsFileName = "text-pooling.safetensors";

    /// <summary>The report in the output folder.</summary>
    public const string ReportFileName = "text-distill-report.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The teacher's scores of every query against every video, Q×N row-major.</summary>
    /// <param name="queries">Normalized query embeddings, Q×D.</param>
    /// <param name="videos">The videos' frame embeddings.</param>
    /// <param name="temperature">τ of the slow model's attention.</param>
    internal static float[] SlowScores(float[] queries, FrameEmbeddingSource videos, float temperature)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(videos);
        int dims = videos.Dims, count = queries.Length / dims;
        var scores = new float[count * videos.Count];
        Parallel.For(0, count, q =>
        {
            var text = queries.AsSpan(q * dims, dims);
            for (int v = 0; v < videos.Count; v++)
                scores[q * videos.Count + v] = TextVideoScoring.SlowScore(text, videos.GetFeatures(v).Span, temperature);
        });
        return scores;
    }

    /// <summary>Scores of every query against every video's embedding (Q×D times N×D), Q×N row-major.</summary>
    internal static float[] FastScores(float[] queries, float[] videoEmbeddings, int dims)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(videoEmbeddings);
        int count = queries.Length / dims, videos = videoEmbeddings.Length / dims;
        var scores = new float[count * videos];
        for (int q = 0; q < count; q++)
            TextVideoScoring.FastScores(queries.AsSpan(q * dims, dims), videoEmbeddings, scores.AsSpan(q * videos, videos));
        return scores;
    }

    /// <summary>Splits query indices 0..Q-1 into training and held-out ones (every <paramref name="heldOutEvery"/>-th held out; the last one when that leaves none).</summary>
    internal static (int[] Train, int[] HeldOut) Split(int queries, int heldOutEvery)
    {
        var heldOut = Enumerable.Range(0, queries).Where(q => q % heldOutEvery == heldOutEvery - 1).ToArray();
        if (heldOut.Length == 0 && queries > 1) heldOut = [queries - 1];
        return (Enumerable.Range(0, queries).Except(heldOut).ToArray(), heldOut);
    }

    /// <summary>Scores, trains (resuming from the work folder's checkpoint), measures agreement before and after, and writes the weights and the report.</summary>
    /// <param name="videos">The library's frame embeddings (at least two videos).</param>
    /// <param name="queries">Normalized text embeddings of the query file, Q×D (at least two queries).</param>
    /// <param name="outputDirectory">Where the weights, the report and the work folder go (created).</param>
    /// <param name="options">Training settings; defaults when null.</param>
    /// <param name="progress">One report per step.</param>
    /// <param name="cancellationToken">Stops between steps; the checkpoint is written first.</param>
    /// <exception cref="ArgumentException">Fewer than two videos or queries, or sizes that disagree.</exception>
    /// <exception cref="OperationCanceledException">Canceled; run again to resume.</exception>
    public static async Task<TextDistillationReport> RunAsync(FrameEmbeddingSource videos, float[] queries, string outputDirectory, TextDistillationOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(queries);
        options ??= new TextDistillationOptions();
        options.Validate();
        int dims = videos.Dims, count = queries.Length / dims;
        if (videos.Count < 2) throw new ArgumentException($"text distillation ranks videos and needs at least two; there are {videos.Count}", nameof(videos));
        if (count < 2 || queries.Length % dims != 0) throw new ArgumentException($"text distillation needs at least two queries of {dims} floats; {queries.Length} floats were given", nameof(queries));
        var clock = Stopwatch.StartNew();
        string work = Path.Combine(outputDirectory, DistillationPipeline.WorkFolder);
        Directory.CreateDirectory(work);
        var training = options.Training with
        {
            CheckpointDirectory = options.Training.CheckpointDirectory ?? Path.Combine(work, "checkpoint"),
            CheckpointEvery = options.Training.CheckpointEvery > 0 ? options.Training.CheckpointEvery : 100,
        };

        float[] teacher = SlowScores(queries, videos, (float)options.TeacherTemperature);
        var (train, heldOut) = Split(count, options.HeldOutEvery);
        using var student = new TextPoolingModule(dims);
        using var trainer = new TextDistillationTrainer(student, videos, queries, teacher, train, training, options.Temperature, options.VideosPerStep);
        var before = FastScores(queries, trainer.VideoEmbeddings(), dims);
        long resumedAt = CheckpointFolder.TryResume(training.CheckpointDirectory, trainer.LoadCheckpoint, out _) ? trainer.Step : 0;
        trainer.Train(progress, cancellationToken);
        var after = FastScores(queries, trainer.VideoEmbeddings(), dims);

        Directory.CreateDirectory(outputDirectory);
        await student.ExportSafeTensorsAsync(Path.Combine(outputDirectory, WeightsFileName), cancellationToken).ConfigureAwait(false);
        var report = new TextDistillationReport(videos.Count, train.Length, heldOut.Length, trainer.Step, resumedAt,
            TextAgreement.Measure(teacher, before, videos.Count, train), TextAgreement.Measure(teacher, before, videos.Count, heldOut),
            TextAgreement.Measure(teacher, after, videos.Count, train), TextAgreement.Measure(teacher, after, videos.Count, heldOut), clock.Elapsed);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, ReportFileName), JsonSerializer.Serialize(report, Json), cancellationToken).ConfigureAwait(false);
        return report;
    }
}
