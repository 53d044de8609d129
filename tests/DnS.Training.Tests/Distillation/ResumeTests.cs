using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Distillation;

/// <summary>N steps in one go equal N/2 steps, a canceled run's checkpoint, a fresh process-like restart and N/2 more.</summary>
[Collection(TorchCollection.Name)]
public sealed class ResumeTests(TorchFixture torchFixture, ITestOutputHelper output) : IDisposable
{
    private const int Dims = 32;
    private const int Steps = 6;
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-resume-").FullName;
    private readonly TestCorpus _corpus = new(Dims, seed: 5);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Networks => ["fine-attention", "fine-binary", "coarse", "selector"];

    [Theory]
    [MemberData(nameof(Networks))]
    public void Resuming_from_a_cancellation_checkpoint_gives_the_uninterrupted_weights_and_next_loss(string network)
    {
        _ = torchFixture;
        var options = new TrainingOptions { Steps = Steps, BatchSize = 8, LearningRate = 1e-3, Seed = 13, MaxFrames = 8 };

        // One go: N steps, then the next step's loss.
        var (whole, wholeTrainer) = Create(network, options, initSeed: 1);
        wholeTrainer.Train();
        var expected = StateOf(whole);
        float expectedNext = wholeTrainer.TrainStep();

        // Interrupted: the same start canceled after N/2 steps (the checkpoint is written on cancel), then a new module
        // with other initial weights resumes from the checkpoint.
        string checkpoint = Path.Combine(_folder, network);
        var interruptedOptions = options with { CheckpointDirectory = checkpoint };
        var (first, firstTrainer) = Create(network, interruptedOptions, initSeed: 1);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Step == Steps / 2) cancel.Cancel(); });
        FluentActions.Invoking(() => firstTrainer.Train(progress, cancel.Token)).Should().Throw<OperationCanceledException>();
        firstTrainer.Step.Should().Be(Steps / 2);
        File.Exists(Path.Combine(checkpoint, "optimizer.bin")).Should().BeTrue();

        var (resumed, resumedTrainer) = Create(network, interruptedOptions, initSeed: 3);
        resumedTrainer.LoadCheckpoint(checkpoint);
        resumedTrainer.Step.Should().Be(Steps / 2);
        resumedTrainer.Train().Step.Should().Be(Steps);
        var actual = StateOf(resumed);
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        double worst = 0;
        foreach (var (name, values) in expected)
            worst = Math.Max(worst, Tolerance.Check(actual[name], values, 1e-6, 0, name));
        float next = resumedTrainer.TrainStep();
        next.Should().BeApproximately(expectedNext, 1e-6f);
        output.WriteLine($"{network}: resumed weights worst |err| {worst:E2}, next loss {next} vs {expectedNext}");

        foreach (var d in new IDisposable[] { wholeTrainer, firstTrainer, resumedTrainer, whole, first, resumed }) d.Dispose();
    }

    [Fact]
    public void Checkpoints_are_written_every_N_steps_and_at_the_end()
    {
        string checkpoint = Path.Combine(_folder, "periodic");
        var options = new TrainingOptions { Steps = 5, BatchSize = 8, LearningRate = 1e-3, Seed = 13, MaxFrames = 8, CheckpointDirectory = checkpoint, CheckpointEvery = 2 };
        var (module, trainer) = Create("fine-attention", options, initSeed: 1);
        var seen = new List<long>();
        var progress = new SynchronousProgress<TrainingProgress>(p => seen.Add(Directory.Exists(checkpoint) ? StepOf(checkpoint) : 0));
        trainer.Train(progress);
        seen.Should().Equal(0, 2, 2, 4, 4);
        StepOf(checkpoint).Should().Be(5);
        Directory.Exists(checkpoint + ".partial").Should().BeFalse();
        foreach (var d in new IDisposable[] { trainer, module }) d.Dispose();
    }

    private static long StepOf(string checkpoint)
        => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "trainer.json"))).RootElement.GetProperty("step").GetInt64();

    [Fact]
    public void A_checkpoint_of_another_run_is_refused()
    {
        var options = new TrainingOptions { Steps = 2, BatchSize = 8, LearningRate = 1e-3, Seed = 13, MaxFrames = 8 };
        string checkpoint = Path.Combine(_folder, "other");
        var (module, trainer) = Create("coarse", options with { CheckpointDirectory = checkpoint }, initSeed: 1);
        trainer.Train();
        var (otherModule, other) = Create("coarse", options with { Seed = 14 }, initSeed: 1);
        FluentActions.Invoking(() => other.LoadCheckpoint(checkpoint)).Should().Throw<InvalidOperationException>().WithMessage("*seed 13*seed 14*");

        // Same settings and pair count, other teacher targets (another teacher): not this run's checkpoint either.
        var retargeted = Array.ConvertAll(_corpus.Pairs(), p => p with { Target = -p.Target });
        using var student = new CoarseGrainedStudentModule(Dims, 4, 64, 1, 4, 16);
        using var onOtherTargets = new CoarseStudentTrainer(student, _corpus, retargeted, options);
        FluentActions.Invoking(() => onOtherTargets.LoadCheckpoint(checkpoint)).Should().Throw<InvalidOperationException>().WithMessage("*trained on other examples*");
        foreach (var d in new IDisposable[] { trainer, other, module, otherModule }) d.Dispose();
    }

    [Fact]
    public void A_selector_checkpoint_resumes_only_under_the_same_labels()
    {
        var options = new TrainingOptions { Steps = 2, BatchSize = 8, LearningRate = 1e-3, Seed = 13, MaxFrames = 8 };
        string checkpoint = Path.Combine(_folder, "selector-labels");
        var (module, trainer) = Create("selector", options with { CheckpointDirectory = checkpoint }, initSeed: 1);
        trainer.Train();
        var examples = ((SelectorTrainer)trainer).Examples;

        // The same pairs labeled with another calibration or threshold are another run: a stale selector would otherwise be kept.
        foreach (var (calibration, threshold) in new[] { (new FineScoreCalibration(1, 0), SelectorTrainer.DefaultThreshold), (FineScoreCalibration.Reference, 0.3) })
        {
            using var selector = new SelectorNetworkModule(Dims);
            using var relabeled = new SelectorTrainer(selector, _corpus, examples, options, calibration, threshold);
            FluentActions.Invoking(() => relabeled.LoadCheckpoint(checkpoint)).Should().Throw<InvalidOperationException>().WithMessage("*other examples*labels*");
        }
        using (var selector = new SelectorNetworkModule(Dims))
        using (var same = new SelectorTrainer(selector, _corpus, examples, options, FineScoreCalibration.Reference))
        {
            same.LoadCheckpoint(checkpoint);
            same.Step.Should().Be(2);
        }
        foreach (var d in new IDisposable[] { trainer, module }) d.Dispose();
    }

    private (nn.Module Module, ITrainer Trainer) Create(string network, TrainingOptions options, int initSeed)
    {
        torch.manual_seed(initSeed);
        var pairs = _corpus.Pairs();
        switch (network)
        {
            case "fine-attention":
            case "fine-binary":
            {
                var student = new FineGrainedStudentModule(network == "fine-binary" ? FineGrainedVariant.Binary : FineGrainedVariant.Attention, Dims, Dims);
                return (student, new FineStudentTrainer(student, _corpus, pairs, options, itqSample: 500));
            }
            case "coarse":
            {
                var student = new CoarseGrainedStudentModule(Dims, 4, 64, 1, 4, 16);
                return (student, new CoarseStudentTrainer(student, _corpus, pairs, options));
            }
            default:
            {
                var selector = new SelectorNetworkModule(Dims);
                var selectorPairs = Array.ConvertAll(pairs, p => new SelectorPair(p.Anchor, p.Other, p.Target, p.Target / 2 + (p.Anchor % 2 == 0 ? 0.5f : 0.1f)));
                return (selector, new SelectorTrainer(selector, _corpus, selectorPairs, options, FineScoreCalibration.Reference));
            }
        }
    }

    private static Dictionary<string, float[]> StateOf(nn.Module module)
    {
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict()) state[name] = Tolerance.ToArray(tensor);
        return state;
    }
}
