using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Distillation;

/// <summary>A few trainer steps on chamfer-scored pairs of a small corpus lower the distillation loss of each student.</summary>
[Collection(TorchCollection.Name)]
public sealed class TrainerLossTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private const int Dims = 32;
    private const int Steps = 30;
    private static readonly TrainingOptions Options = new() { Steps = Steps, BatchSize = 8, LearningRate = 1e-3, Seed = 11, MaxFrames = 16 };

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.Binary)]
    public void Fine_student_training_lowers_the_loss(FineGrainedVariant variant)
    {
        _ = torchFixture;
        torch.manual_seed(21);
        var corpus = new TestCorpus(Dims, seed: 2);
        var pairs = corpus.Pairs();
        using var student = new FineGrainedStudentModule(variant, Dims, Dims);
        using var trainer = new FineStudentTrainer(student, corpus, pairs, Options, itqSample: 2000);
        if (variant == FineGrainedVariant.Binary)
        {
            trainer.Itq.Should().NotBeNull();
            Tolerance.ToArray(student.Binarization!.W).Should().Equal(trainer.Itq!.Projection, "W starts at the ITQ projection");
        }
        else trainer.Itq.Should().BeNull();
        double before = trainer.MeanAbsoluteError(pairs);
        var (first, last) = Run(trainer);
        double after = trainer.MeanAbsoluteError(pairs);
        output.WriteLine($"fine {variant}: train loss {first:F4} → {last:F4} (mean of 5 steps), eval L1 {before:F4} → {after:F4} over {Steps} steps");
        last.Should().BeLessThan(first * 0.8);
        after.Should().BeLessThan(before);
    }

    [Fact]
    public void Coarse_student_training_lowers_the_loss()
    {
        torch.manual_seed(22);
        var corpus = new TestCorpus(Dims, seed: 3);
        var pairs = corpus.Pairs();
        using var student = new CoarseGrainedStudentModule(Dims, heads: 4, feedForwardDims: 64, layers: 1, clusters: 4, outDims: 16);
        using var trainer = new CoarseStudentTrainer(student, corpus, pairs, Options);
        trainer.LearningRate.Should().Be(1e-3, "the option overrides the paper's 1e-5");
        double before = trainer.MeanAbsoluteError(pairs);
        var (first, last) = Run(trainer);
        double after = trainer.MeanAbsoluteError(pairs);
        output.WriteLine($"coarse: train loss {first:F4} → {last:F4} (mean of 5 steps), eval L1 {before:F4} → {after:F4} over {Steps} steps");
        last.Should().BeLessThan(first * 0.8);
        after.Should().BeLessThan(before);
    }

    /// <summary>Mean loss of the first and of the last five steps.</summary>
    private static (double First, double Last) Run<TModule, TExample>(DistillationTrainer<TModule, TExample> trainer) where TModule : nn.Module where TExample : unmanaged
    {
        var losses = new List<float>();
        var progress = new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss));
        var final = trainer.Train(progress);
        final.Step.Should().Be(Steps);
        trainer.Step.Should().Be(Steps);
        losses.Should().HaveCount(Steps);
        return (losses.Take(5).Average(), losses.TakeLast(5).Average());
    }
}
