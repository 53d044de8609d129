using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using DnS.Training.Data;
using DnS.Training.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Distillation;

/// <summary>
/// The loop every DnS trainer shares: Adam over a module, full batches of examples in a per-epoch shuffled order,
/// progress reports, cancellation between steps, and checkpoints that resume exactly. Every draw of step s (the
/// epoch's order, the temporal crops, dropout) is seeded by (seed, s) alone (<see cref="StepSeeds"/>), so N/2 steps,
/// a checkpoint and N/2 more give the weights of N steps in one go. The caller owns the module; the trainer owns the
/// optimizer.
/// </summary>
/// <typeparam name="TModule">The trained network.</typeparam>
/// <typeparam name="TExample">One training example (a scored pair, a selector pair).</typeparam>
public abstract class DistillationTrainer<TModule, TExample> : ITrainer where TModule : nn.Module where TExample : unmanaged
{
    private readonly TorchSharp.Modules.Adam _optimizer;
    private int[]? _order;
    private long _orderEpoch = -1;

    /// <summary>Sets up Adam over <paramref name="module"/>'s parameters.</summary>
    /// <exception cref="ArgumentException">No examples, or an option is out of range.</exception>
    protected DistillationTrainer(TModule module, IRegionFeatureSource features, IReadOnlyList<TExample> examples, TrainingOptions options, double defaultLearningRate)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        if (examples.Count == 0) throw new ArgumentException("training needs at least one example", nameof(examples));
        options.Validate();
        Module = module;
        Features = features;
        Examples = examples;
        Options = options;
        LearningRate = options.LearningRate ?? defaultLearningRate;
        BatchSize = Math.Min(options.BatchSize, examples.Count);
        StepsPerEpoch = (examples.Count + BatchSize - 1) / BatchSize;
        TotalSteps = options.Steps ?? (long)options.Epochs * StepsPerEpoch;
        _optimizer = optim.Adam(module.parameters(), LearningRate);
    }

    /// <summary>The trained network.</summary>
    public TModule Module { get; }

    /// <summary>The corpus features the examples index.</summary>
    public IRegionFeatureSource Features { get; }

    /// <summary>The training examples.</summary>
    public IReadOnlyList<TExample> Examples { get; }

    /// <summary>The run settings.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Adam's learning rate in use.</summary>
    public double LearningRate { get; }

    /// <summary>Examples per step (the option, capped at the number of examples).</summary>
    public int BatchSize { get; }

    /// <summary>Steps per pass over the examples.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps done (restored by <see cref="LoadCheckpoint"/>).</summary>
    public long Step { get; private set; }

    /// <summary>Runs one optimizer step on the next batch and returns its loss (before the update).</summary>
    public float TrainStep()
    {
        using var noGc = NoGcScope.Enter();
        using var scope = NewDisposeScope();
        var batch = BatchAt(Step);
        torch.manual_seed(StepSeeds.Derive(Options.Seed, Step, StepSeeds.Torch));
        Module.train();
        _optimizer.zero_grad();
        var loss = ComputeLoss(batch, new Random(StepSeeds.Derive(Options.Seed, Step, StepSeeds.Crops)));
        loss.backward();
        _optimizer.step();
        Step++;
        return loss.item<float>();
    }

    /// <summary>
    /// Trains from <see cref="Step"/> to <see cref="TotalSteps"/>, reporting after every step and writing a checkpoint
    /// every <see cref="TrainingOptions.CheckpointEvery"/> steps, at the end and on cancellation (when a checkpoint folder is set).
    /// </summary>
    /// <returns>The last step's report (Step = TotalSteps), or a report with no loss when nothing was left to do.</returns>
    /// <exception cref="OperationCanceledException">Canceled between two steps; the checkpoint is written first.</exception>
    public TrainingProgress Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Options.Threads is { } threads) torch.set_num_threads(threads);
        var clock = Stopwatch.StartNew();
        long firstStep = Step, epoch = -1;
        double epochSum = 0;
        int epochSteps = 0;
        var last = new TrainingProgress(Step, TotalSteps, Step / StepsPerEpoch, float.NaN, float.NaN, TimeSpan.Zero, TimeSpan.Zero);
        while (Step < TotalSteps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                WriteCheckpointIfSet();
                cancellationToken.ThrowIfCancellationRequested();
            }
            long stepEpoch = Step / StepsPerEpoch;
            if (stepEpoch != epoch)
            {
                epoch = stepEpoch;
                epochSum = 0;
                epochSteps = 0;
            }
            float loss = TrainStep();
            epochSum += loss;
            epochSteps++;
            var elapsed = clock.Elapsed;
            var remaining = elapsed * ((double)(TotalSteps - Step) / (Step - firstStep));
            last = new TrainingProgress(Step, TotalSteps, epoch, loss, (float)(epochSum / epochSteps), elapsed, remaining);
            if (Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0 && Step < TotalSteps) WriteCheckpointIfSet();
            progress?.Report(last);
        }
        if (Step > firstStep) WriteCheckpointIfSet();
        return last;
    }

    /// <summary>
    /// Writes the module's weights, Adam's state and the step counter to <paramref name="directory"/>, replacing an
    /// earlier checkpoint there (<see cref="CheckpointFolder"/>: a crash mid-write leaves the old one).
    /// </summary>
    public void SaveCheckpoint(string directory) =>
        CheckpointFolder.Save(directory, Module, _optimizer, new CheckpointState(Step, Options.Seed, BatchSize, Examples.Count, LearningRate, ExamplesHash()));

    /// <summary>Restores weights, Adam's state and the step counter from a checkpoint of the same run settings.</summary>
    /// <exception cref="InvalidOperationException">The checkpoint's seed, batch size, examples or label settings differ, so it is not this run's.</exception>
    /// <exception cref="Core.Weights.WeightsFormatException">The weights do not fit the module.</exception>
    public void LoadCheckpoint(string directory)
    {
        var state = CheckpointFolder.ReadState<CheckpointState>(directory);
        string statePath = Path.Combine(directory, CheckpointFolder.StateFileName);
        if (state.Seed != Options.Seed || state.BatchSize != BatchSize || state.Examples != Examples.Count)
            throw new InvalidOperationException(
                $"{statePath}: checkpoint of seed {state.Seed}, batch {state.BatchSize}, {state.Examples} examples cannot resume a run of seed {Options.Seed}, batch {BatchSize}, {Examples.Count} examples");
        if (state.ExamplesHash != ExamplesHash())
            throw new InvalidOperationException($"{statePath}: the checkpoint was trained on other examples (other pairs, teacher targets or labels) and cannot resume this run");
        CheckpointFolder.Restore(directory, Module, _optimizer);
        Step = state.Step;
    }

    /// <summary>The loss of one batch (a scalar with a graph to the module's parameters); the module is in training mode.</summary>
    /// <param name="batch">The batch's examples.</param>
    /// <param name="crop">This step's temporal-crop generator (pass it to <see cref="LoadVideos"/>).</param>
    protected abstract Tensor ComputeLoss(IReadOnlyList<TExample> batch, Random crop);

    /// <summary>A padded batch of <paramref name="videos"/> under the run's frame cap (random windows when <paramref name="crop"/> is set).</summary>
    protected PaddedBatch LoadVideos(IReadOnlyList<int> videos, Random? crop) => PaddedBatch.Build(Features, videos, Options.MaxFrames, crop);

    /// <summary>The examples of step <paramref name="step"/>: a slice of the epoch's seeded permutation, wrapping around at its end.</summary>
    public IReadOnlyList<TExample> BatchAt(long step)
    {
        long epoch = step / StepsPerEpoch;
        if (epoch != _orderEpoch)
        {
            _order = Permutation(Examples.Count, new Random(StepSeeds.Derive(Options.Seed, epoch, StepSeeds.EpochOrder)));
            _orderEpoch = epoch;
        }
        int start = (int)(step % StepsPerEpoch) * BatchSize;
        var batch = new TExample[BatchSize];
        for (int i = 0; i < batch.Length; i++) batch[i] = Examples[_order![(start + i) % _order.Length]];
        return batch;
    }

    private static int[] Permutation(int count, Random random)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        random.Shuffle(order);
        return order;
    }

    private void WriteCheckpointIfSet()
    {
        if (Options.CheckpointDirectory is { } directory) SaveCheckpoint(directory);
    }

    /// <summary>Frees the optimizer (the module stays with the caller).</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record CheckpointState(long Step, int Seed, int BatchSize, int Examples, double LearningRate, ulong ExamplesHash);

    /// <summary>
    /// Settings beyond the examples that decide what the run learns (the selector's label rule); part of a checkpoint's
    /// identity, so a run with other labels retrains instead of resuming. None by default.
    /// </summary>
    protected virtual double[] LabelSettings => [];

    // The examples' bytes (pairs and their targets) and the label settings identify the data a checkpoint was trained
    // on: a resumed run on other teacher scores of the same size would otherwise silently continue the old run.
    private ulong ExamplesHash()
    {
        TExample[] examples = Examples is TExample[] array ? array : [.. Examples];
        var hash = new XxHash64();
        hash.Append(MemoryMarshal.AsBytes(examples.AsSpan()));
        hash.Append(MemoryMarshal.AsBytes(LabelSettings.AsSpan()));
        return hash.GetCurrentHashAsUInt64();
    }
}
