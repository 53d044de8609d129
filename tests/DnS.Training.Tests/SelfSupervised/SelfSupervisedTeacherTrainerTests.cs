using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Data;
using DnS.Training.Modules;
using DnS.Training.SelfSupervised;
using DnS.Training.Weights;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Inference = DnS.Core.Networks;

namespace DnS.Training.Tests.SelfSupervised;

[Collection(TorchCollection.Name)]
public sealed class SelfSupervisedTeacherTrainerTests(AugmentedViewCorpus corpus, ITestOutputHelper output)
{
    private static ViSiLTeacherModule NewTeacher(int dims, int seed)
    {
        torch.manual_seed(seed);
        return new ViSiLTeacherModule(dims);
    }

    // Every stored view unedited, labeled with its video: the fixed batch that shows what training changed.
    private static (List<Tensor> Clips, int[] Videos) AllViews(IRegionFeatureSource source, ViewGroups groups)
    {
        var clips = new List<Tensor>();
        var videos = new List<int>();
        for (int v = 0; v < groups.Count; v++)
            foreach (int entry in groups.GetViews(v))
            {
                clips.Add(ClipTensors.Whole(source, entry));
                videos.Add(v);
            }
        return (clips, [.. videos]);
    }

    /// <summary>How many views score their own video's other view above every view of another video, and the mean margin.</summary>
    private static (int Hits, double Margin) Ranking(ViSiLTeacherModule teacher, List<Tensor> clips, int[] videos)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var s = ClipSimilarityMatrix.Compute(teacher, clips).data<float>().ToArray();
        int n = clips.Count, hits = 0;
        double margin = 0;
        for (int i = 0; i < n; i++)
        {
            float positive = float.NegativeInfinity, negative = float.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                if (videos[j] == videos[i]) positive = Math.Max(positive, s[i * n + j]);
                else negative = Math.Max(negative, s[i * n + j]);
            }
            if (positive > negative) hits++;
            margin += (positive - negative) / n;
        }
        return (hits, margin);
    }

    [Fact]
    public async Task Training_on_augmented_views_lowers_InfoNCE_and_ranks_own_views_higher()
    {
        var source = await corpus.ViewsAsync();
        using var teacher = NewTeacher(source.Dims, 1);
        using var trainer = new SelfSupervisedTeacherTrainer(teacher, source, new SelfSupervisedOptions { BatchSize = 4, LearningRate = 1e-3, Seed = 2, Temporal = new() { SpeedProbability = 0, DropProbability = 0 } });
        trainer.Videos.Count.Should().Be(corpus.Videos.Count);
        var (clips, videos) = AllViews(source, trainer.Videos);
        var before = trainer.Evaluate(clips, videos);
        var rankBefore = Ranking(teacher, clips, videos);
        var reports = new List<SelfSupervisedProgress>();
        await trainer.TrainAsync(40, new SynchronousProgress(reports.Add));
        var after = trainer.Evaluate(clips, videos);
        var rankAfter = Ranking(teacher, clips, videos);
        output.WriteLine($"fixed batch of {clips.Count} views: InfoNCE {before.InfoNce:F4} → {after.InfoNce:F4}, hard-negative {before.HardNegative:F4} → {after.HardNegative:F4}, " +
                         $"total {before.Total:F4} → {after.Total:F4}; own-view hits {rankBefore.Hits} → {rankAfter.Hits} of {clips.Count}, margin {rankBefore.Margin:F4} → {rankAfter.Margin:F4}");
        output.WriteLine($"training losses: first {reports[0].Losses.Total:F4}, last {reports[^1].Losses.Total:F4}, {reports[^1].Elapsed.TotalMilliseconds / reports.Count:F1} ms/step");
        after.InfoNce.Should().BeLessThan(before.InfoNce * 0.9);
        rankAfter.Margin.Should().BeGreaterThan(rankBefore.Margin);
        rankAfter.Hits.Should().BeGreaterThan(rankBefore.Hits);
        reports.Select(r => r.Step).Should().Equal(Enumerable.Range(1, 40));
        reports[^1].Remaining.Should().Be(TimeSpan.Zero);
        trainer.StepsDone.Should().Be(40);
    }

    [Fact]
    public void Same_seed_gives_the_same_steps_and_another_seed_other_batches()
    {
        var source = ArrayFeatureSource.Random(6, 4, 16, seed: 3);
        var options = new SelfSupervisedOptions { BatchSize = 3, LearningRate = 1e-3, Seed = 11 };
        double[] Run(SelfSupervisedOptions o, out float[] weights)
        {
            using var teacher = NewTeacher(16, 5);
            using var trainer = new SelfSupervisedTeacherTrainer(teacher, source, o);
            var totals = Enumerable.Range(0, 4).Select(_ => trainer.Step().Total).ToArray();
            weights = teacher.Comparator!.parameters().First().data<float>().ToArray();
            return totals;
        }
        var first = Run(options, out var firstWeights);
        var second = Run(options, out var secondWeights);
        var other = Run(options with { Seed = 12 }, out _);
        output.WriteLine($"seed 11: {string.Join(", ", first.Select(l => l.ToString("F5")))}; seed 12: {string.Join(", ", other.Select(l => l.ToString("F5")))}");
        second.Should().Equal(first);
        secondWeights.Should().Equal(firstWeights);
        other.Should().NotEqual(first);
    }

    [Fact]
    public async Task Trained_teacher_exports_to_DnS_Core_with_the_same_similarities()
    {
        var source = await corpus.ViewsAsync();
        using var teacher = NewTeacher(source.Dims, 4);
        using (var trainer = new SelfSupervisedTeacherTrainer(teacher, source, new SelfSupervisedOptions { BatchSize = 3, LearningRate = 1e-3, Seed = 4 }))
            for (int i = 0; i < 5; i++) trainer.Step();
        string path = Path.Combine(corpus.NewFolder("export"), "ssl_teacher.safetensors");
        await teacher.ExportSafeTensorsAsync(path);
        using var file = SafeTensorsFile.Open(path);
        var core = Inference.ViSiLTeacher.Load(file, new ViSiLTeacherConfig { Regions = source.Regions });
        double worst = 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int q = 0; q < source.Count; q += 3)
            for (int t = 0; t < source.Count; t += 2)
            {
                float expected = teacher.forward(ClipTensors.Whole(source, q).unsqueeze(0), ClipTensors.Whole(source, t).unsqueeze(0)).item<float>();
                float actual = core.Similarity(core.IndexVideo(source.GetFeatures(q).Span), core.IndexVideo(source.GetFeatures(t).Span));
                worst = Math.Max(worst, Math.Abs(actual - expected));
                actual.Should().BeApproximately(expected, 1e-5f, $"{source.GetId(q)} → {source.GetId(t)}");
            }
        output.WriteLine($"exported self-supervised teacher: DnS.Core vs TorchSharp worst |err| {worst:E2}");
    }

    [Fact]
    public async Task Cancellation_stops_training_and_bad_settings_are_refused()
    {
        var source = ArrayFeatureSource.Random(4, 4, 16, seed: 8);
        using var teacher = NewTeacher(16, 6);
        using var trainer = new SelfSupervisedTeacherTrainer(teacher, source, new SelfSupervisedOptions { BatchSize = 2 });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var act = () => trainer.TrainAsync(3, cancellationToken: cancel.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
        trainer.StepsDone.Should().Be(0);

        var tooFew = () => new SelfSupervisedTeacherTrainer(teacher, source, new SelfSupervisedOptions { BatchSize = 5 });
        tooFew.Should().Throw<ArgumentException>().WithMessage("*4 videos, fewer than the batch size 5*");
        using var wide = NewTeacher(32, 6);
        var wrongDims = () => new SelfSupervisedTeacherTrainer(wide, source, new SelfSupervisedOptions { BatchSize = 2 });
        wrongDims.Should().Throw<ArgumentException>().WithMessage("*32-d*16-d*");
    }

    [Fact]
    public async Task A_run_resumed_from_its_checkpoint_takes_the_steps_of_an_uninterrupted_one()
    {
        var source = ArrayFeatureSource.Random(6, 4, 16, seed: 3);
        string folder = Path.Combine(corpus.NewFolder("ssl-resume"), "checkpoint");
        var options = new SelfSupervisedOptions { BatchSize = 3, LearningRate = 1e-3, Seed = 5 };
        static float[] Weights(ViSiLTeacherModule teacher) => [.. teacher.parameters().SelectMany(p => p.data<float>().ToArray())];

        var straight = new List<double>();
        float[] straightWeights;
        using (var teacher = NewTeacher(16, 9))
        using (var trainer = new SelfSupervisedTeacherTrainer(teacher, source, options))
        {
            await trainer.TrainAsync(7, new SynchronousProgress(p => straight.Add(p.Losses.Total)));
            straightWeights = Weights(teacher);
        }

        // Canceled after 3 of 7 steps (3 videos per step over 6 videos: epochs wrap mid-run), then resumed by a new
        // trainer whose teacher starts from other weights: the checkpoint must carry weights, Adam and the sampler.
        var resumed = new List<double>();
        using (var teacher = NewTeacher(16, 9))
        using (var trainer = new SelfSupervisedTeacherTrainer(teacher, source, options with { CheckpointDirectory = folder }))
        {
            using var cancel = new CancellationTokenSource();
            var run = () => trainer.TrainAsync(7, new SynchronousProgress(p =>
            {
                resumed.Add(p.Losses.Total);
                if (p.Step == 3) cancel.Cancel();
            }), cancel.Token);
            await run.Should().ThrowAsync<OperationCanceledException>();
            trainer.StepsDone.Should().Be(3);
        }
        using (var teacher = NewTeacher(16, 77))
        using (var trainer = new SelfSupervisedTeacherTrainer(teacher, source, options with { CheckpointDirectory = folder }))
        {
            trainer.LoadCheckpoint(folder);
            trainer.StepsDone.Should().Be(3);
            var steps = new List<int>();
            await trainer.TrainAsync(7, new SynchronousProgress(p =>
            {
                resumed.Add(p.Losses.Total);
                steps.Add(p.Step);
            }));
            steps.Should().Equal(4, 5, 6, 7);
            Weights(teacher).Should().Equal(straightWeights);
        }
        resumed.Should().Equal(straight);

        using (var teacher = NewTeacher(16, 9))
        using (var trainer = new SelfSupervisedTeacherTrainer(teacher, source, options with { Seed = 6 }))
        {
            var otherRun = () => trainer.LoadCheckpoint(folder);
            otherRun.Should().Throw<InvalidOperationException>().WithMessage("*seed 5*cannot resume*seed 6*");
        }
    }

    private sealed class SynchronousProgress(Action<SelfSupervisedProgress> report) : IProgress<SelfSupervisedProgress>
    {
        public void Report(SelfSupervisedProgress value) => report(value);
    }
}
