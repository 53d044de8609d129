using System.Diagnostics;
using DnS.Training.Data;
using DnS.Training.Losses;
using DnS.Training.Modules;
using DnS.Training.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// Trains a ViSiL teacher with no labels (S2VS). A step takes B videos, two views of each (two stored pixel views
/// when the video has them, each with fresh temporal edits), scores all 2B × 2B ordered clip pairs with the teacher
/// (<see cref="ClipSimilarityMatrix"/>), and minimizes InfoNCE with the other view of the same video as the positive,
/// plus λ × the hard-negative loss and r × the similarity regularization of the raw comparator output, with Adam.
/// All randomness comes from <see cref="SelfSupervisedOptions.Seed"/>, so two trainers over the same data and
/// initial weights take identical steps, and a run resumed from a checkpoint (<see cref="SaveCheckpoint"/>,
/// <see cref="LoadCheckpoint"/>) takes exactly the steps of an uninterrupted one. Export the result with
/// <c>ExportSafeTensorsAsync</c>; DnS.Core's <c>ViSiLTeacher.Load</c> reads it.
/// </summary>
public sealed class SelfSupervisedTeacherTrainer : IDisposable
{
    private readonly ViSiLTeacherModule _teacher;
    private readonly IRegionFeatureSource _views;
    private readonly ViewGroups _groups;
    private readonly SelfSupervisedOptions _options;
    private readonly TorchSharp.Modules.Adam _optimizer;
    private readonly InfoNceLoss _infoNce;
    private readonly HardNegativeLoss _hardNegative = new();
    private readonly SimilarityRegularizationLoss _regularization = new();
    private readonly int[] _order;
    private Random _random = null!;
    private int _cursor;

    /// <summary>Creates the trainer; the teacher is trained in place.</summary>
    /// <param name="teacher">The teacher (its region dimensions must match the source).</param>
    /// <param name="views">Augmented views (ids <c>&lt;video&gt;#&lt;view&gt;</c>) or plain videos.</param>
    /// <param name="options">Settings (default: <see cref="SelfSupervisedOptions"/>).</param>
    /// <exception cref="ArgumentException">Fewer videos than the batch size, or the teacher's dimensions differ from the source's.</exception>
    public SelfSupervisedTeacherTrainer(ViSiLTeacherModule teacher, IRegionFeatureSource views, SelfSupervisedOptions? options = null)
    {
        _options = options ?? new SelfSupervisedOptions();
        _options.Validate();
        _groups = new ViewGroups(views);
        if (_groups.Count < _options.BatchSize)
            throw new ArgumentException($"the view source holds {_groups.Count} videos, fewer than the batch size {_options.BatchSize}", nameof(views));
        if (teacher.Attention is { } attention && attention.Dims != views.Dims)
            throw new ArgumentException($"the teacher's attention takes {attention.Dims}-d regions, the view source has {views.Dims}-d regions", nameof(teacher));
        _teacher = teacher;
        _views = views;
        _infoNce = new InfoNceLoss(_options.Temperature);
        _optimizer = optim.Adam(teacher.parameters(), _options.LearningRate);
        _order = new int[_groups.Count];
        RestartSampling();
    }

    /// <summary>The teacher being trained.</summary>
    public ViSiLTeacherModule Teacher => _teacher;

    /// <summary>The videos the views were grouped into.</summary>
    public ViewGroups Videos => _groups;

    /// <summary>Optimizer steps taken so far.</summary>
    public int StepsDone { get; private set; }

    /// <summary>Samples a batch, computes the losses and takes one Adam step.</summary>
    public SelfSupervisedLosses Step()
    {
        var plan = PlanBatch();
        using var noGc = NoGcScope.Enter();
        using var scope = NewDisposeScope();
        _teacher.train();
        var clips = new List<Tensor>(plan.Length);
        Span<int> groups = stackalloc int[plan.Length];
        for (int c = 0; c < plan.Length; c++)
        {
            clips.Add(ClipTensors.Gather(_views, plan[c].Entry, plan[c].Frames));
            groups[c] = c / 2;
        }
        var (total, losses) = Losses(clips, BatchLabels.Matches(groups));
        _optimizer.zero_grad();
        total.backward();
        _optimizer.step();
        StepsDone++;
        return losses;
    }

    /// <summary>
    /// Trains until <see cref="StepsDone"/> reaches <paramref name="totalSteps"/> on a worker thread, reporting each step,
    /// and writes a checkpoint every <see cref="SelfSupervisedOptions.CheckpointEvery"/> steps, at the end and on
    /// cancellation when <see cref="SelfSupervisedOptions.CheckpointDirectory"/> is set.
    /// </summary>
    /// <returns>The last step's losses (default when nothing was left to do).</returns>
    /// <exception cref="OperationCanceledException">Canceled (checked before every step); the checkpoint is written first.</exception>
    public Task<SelfSupervisedLosses> TrainAsync(int totalSteps, IProgress<SelfSupervisedProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        return Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            int firstStep = StepsDone;
            SelfSupervisedLosses last = default;
            while (StepsDone < totalSteps)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    WriteCheckpointIfSet();
                    cancellationToken.ThrowIfCancellationRequested();
                }
                last = Step();
                if (_options.CheckpointEvery > 0 && StepsDone % _options.CheckpointEvery == 0 && StepsDone < totalSteps) WriteCheckpointIfSet();
                var elapsed = clock.Elapsed;
                progress?.Report(new SelfSupervisedProgress(StepsDone, totalSteps, last, elapsed, elapsed / (StepsDone - firstStep) * (totalSteps - StepsDone)));
            }
            if (StepsDone > firstStep) WriteCheckpointIfSet();
            return last;
        }, cancellationToken);
    }

    /// <summary>
    /// Writes the teacher's weights, Adam's state and the step counter to <paramref name="directory"/>, replacing an
    /// earlier checkpoint there (<see cref="CheckpointFolder"/>: a crash mid-write leaves the old one).
    /// </summary>
    public void SaveCheckpoint(string directory) =>
        CheckpointFolder.Save(directory, _teacher, _optimizer, new CheckpointState(StepsDone, _options.Seed, _options.BatchSize, _groups.Count));

    /// <summary>
    /// Restores weights, Adam's state and the step counter from a checkpoint of the same run settings, and replays the
    /// sampler to that step (cheap: frame counts only), so the next step draws what an uninterrupted run would.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint's seed, batch size or video count differ, so it is not this run's.</exception>
    /// <exception cref="Core.Weights.WeightsFormatException">The weights do not fit the teacher.</exception>
    public void LoadCheckpoint(string directory)
    {
        var state = CheckpointFolder.ReadState<CheckpointState>(directory);
        if (state.Seed != _options.Seed || state.BatchSize != _options.BatchSize || state.Videos != _groups.Count)
            throw new InvalidOperationException(
                $"{Path.Combine(directory, CheckpointFolder.StateFileName)}: checkpoint of seed {state.Seed}, batch {state.BatchSize}, {state.Videos} videos cannot resume a run of seed {_options.Seed}, batch {_options.BatchSize}, {_groups.Count} videos");
        CheckpointFolder.Restore(directory, _teacher, _optimizer);
        RestartSampling();
        for (int step = 0; step < state.Step; step++) PlanBatch();
        StepsDone = state.Step;
    }

    /// <summary>
    /// The losses of given clips without a step: <paramref name="clips"/> [T, R, D] with their video index in
    /// <paramref name="videos"/> (for example every stored view, unedited, to follow training on a fixed batch).
    /// </summary>
    public SelfSupervisedLosses Evaluate(IReadOnlyList<Tensor> clips, ReadOnlySpan<int> videos)
    {
        if (clips.Count != videos.Length) throw new ArgumentException($"{clips.Count} clips but {videos.Length} video labels", nameof(videos));
        using var noGc = NoGcScope.Enter();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Losses(clips, BatchLabels.Matches(videos)).Losses;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _infoNce.Dispose();
        _hardNegative.Dispose();
        _regularization.Dispose();
    }

    private (Tensor Total, SelfSupervisedLosses Losses) Losses(IReadOnlyList<Tensor> clips, Tensor matches)
    {
        var raw = new List<Tensor>();
        var similarity = ClipSimilarityMatrix.Compute(_teacher, clips, raw);
        var infoNce = _infoNce.forward(similarity, matches);
        var hardNegative = _hardNegative.forward(similarity, matches);
        var regularization = zeros(1).sum();
        foreach (var r in raw) regularization = regularization + _regularization.forward(r);
        var total = infoNce + _options.HardNegativeWeight * hardNegative + _options.RegularizationWeight * regularization;
        return (total, new SelfSupervisedLosses(total.item<float>(), infoNce.item<float>(), hardNegative.item<float>(), regularization.item<float>()));
    }

    /// <summary>
    /// The clips of the next batch, as (view entry, frame indices), two per video: all the step's random draws, none of
    /// its tensors, so a resumed trainer can replay them.
    /// </summary>
    private (int Entry, int[] Frames)[] PlanBatch()
    {
        var plan = new (int Entry, int[] Frames)[2 * _options.BatchSize];
        var chosen = new HashSet<int>();
        for (int b = 0; b < _options.BatchSize; b++)
        {
            int video;
            // Across an epoch boundary a video could come twice; a repeat would be a false negative, so skip it.
            do video = NextVideo();
            while (!chosen.Add(video));
            var views = _groups.GetViews(video);
            int first = _random.Next(views.Count);
            // Two different stored views when there are any; otherwise the temporal edits alone make the pair.
            int second = views.Count == 1 ? first : (first + 1 + _random.Next(views.Count - 1)) % views.Count;
            plan[2 * b] = TemporalClip(views[first]);
            plan[2 * b + 1] = TemporalClip(views[second]);
        }
        return plan;
    }

    private (int Entry, int[] Frames) TemporalClip(int entry) => (entry, TemporalAugmenter.Sample(_random, _views.GetFrames(entry), _options.Temporal));

    // Videos in a seeded random order, reshuffled each epoch, so every video is used before any repeats.
    private int NextVideo()
    {
        if (_cursor == _order.Length)
        {
            _random.Shuffle(_order);
            _cursor = 0;
        }
        return _order[_cursor++];
    }

    private void RestartSampling()
    {
        _random = new Random(_options.Seed);
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _cursor = _order.Length;
    }

    private void WriteCheckpointIfSet()
    {
        if (_options.CheckpointDirectory is { } directory) SaveCheckpoint(directory);
    }

    private sealed record CheckpointState(int Step, int Seed, int BatchSize, int Videos);
}
