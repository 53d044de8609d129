using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.SelfSupervised;
using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests;

/// <summary>
/// Every options record of DnS.Training validates the same way: the defaults pass, and a bad value throws
/// <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentException"/> for a value that is not a range)
/// whose parameter name is the option's own name, at the API that takes the options.
/// </summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action, string> BadOptions => new()
    {
        { "sampler fraction", () => new PairSamplerOptions { AnchorFraction = 0 }.Validate(), nameof(PairSamplerOptions.AnchorFraction) },
        { "sampler fraction NaN", () => new PairSamplerOptions { AnchorFraction = double.NaN }.Validate(), nameof(PairSamplerOptions.AnchorFraction) },
        { "sampler count", () => new PairSamplerOptions { AnchorCount = 0 }.Validate(), nameof(PairSamplerOptions.AnchorCount) },
        { "sampler positives", () => new PairSamplerOptions { MaxPositives = -1 }.Validate(), nameof(PairSamplerOptions.MaxPositives) },
        { "sampler threshold", () => new PairSamplerOptions { PositiveThreshold = float.NaN }.Validate(), nameof(PairSamplerOptions.PositiveThreshold) },
        { "sampler candidates", () => new PairSamplerOptions { Candidates = -1 }.Validate(), nameof(PairSamplerOptions.Candidates) },
        { "sampler negatives", () => new PairSamplerOptions { AnchorNegatives = -1 }.Validate(), nameof(PairSamplerOptions.AnchorNegatives) },
        { "sampler hard candidates", () => new PairSamplerOptions { HardCandidates = -1 }.Validate(), nameof(PairSamplerOptions.HardCandidates) },
        { "sampler distractors", () => new PairSamplerOptions { Distractors = -1 }.Validate(), nameof(PairSamplerOptions.Distractors) },
        { "sampler parallelism", () => new PairSamplerOptions { Parallelism = 0 }.Validate(), nameof(PairSamplerOptions.Parallelism) },
        { "fusion method", () => new ScoreFusionOptions { Method = (FusionMethod)99 }.Validate(), nameof(ScoreFusionOptions.Method) },
        { "fusion weight", () => new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [1, float.PositiveInfinity] }.Validate(), nameof(ScoreFusionOptions.Weights) },
        { "fusion no weights", () => new ScoreFusionOptions { Method = FusionMethod.Weighted }.Validate(), nameof(ScoreFusionOptions.Weights) },
        { "fusion zero weights", () => new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [0, 0] }.Validate(), nameof(ScoreFusionOptions.Weights) },
        { "training epochs", () => new TrainingOptions { Epochs = 0 }.Validate(), nameof(TrainingOptions.Epochs) },
        { "training rate", () => new TrainingOptions { LearningRate = double.PositiveInfinity }.Validate(), nameof(TrainingOptions.LearningRate) },
        { "training frames", () => new TrainingOptions { MaxFrames = 3 }.Validate(), nameof(TrainingOptions.MaxFrames) },
        { "distillation bits", () => new DistillationOptions { Bits = 0 }.Validate(), nameof(DistillationOptions.Bits) },
        { "distillation variant", () => new DistillationOptions { FineVariant = (FineGrainedVariant)7 }.Validate(), nameof(DistillationOptions.FineVariant) },
        { "distillation threshold", () => new DistillationOptions { SelectorThreshold = -0.1 }.Validate(), nameof(DistillationOptions.SelectorThreshold) },
        { "distillation parallelism", () => new DistillationOptions { Parallelism = 0 }.Validate(), nameof(DistillationOptions.Parallelism) },
        { "distillation nested sampling", () => new DistillationOptions { Sampling = new() { Distractors = -2 } }.Validate(), nameof(PairSamplerOptions.Distractors) },
        { "distillation nested training", () => new DistillationOptions { CoarseTraining = new() { BatchSize = 0 } }.Validate(), nameof(TrainingOptions.BatchSize) },
        { "pixel crop", () => new PixelAugmentationOptions { MinCropArea = 1.5 }.Validate(), nameof(PixelAugmentationOptions.MinCropArea) },
        { "pixel aspect", () => new PixelAugmentationOptions { MaxAspectChange = 0.5 }.Validate(), nameof(PixelAugmentationOptions.MaxAspectChange) },
        { "pixel flip", () => new PixelAugmentationOptions { FlipProbability = 1.01 }.Validate(), nameof(PixelAugmentationOptions.FlipProbability) },
        { "pixel contrast", () => new PixelAugmentationOptions { Contrast = 1 }.Validate(), nameof(PixelAugmentationOptions.Contrast) },
        { "pixel blur", () => new PixelAugmentationOptions { MaxBlurSigma = 0.4 }.Validate(), nameof(PixelAugmentationOptions.MaxBlurSigma) },
        { "pixel noise", () => new PixelAugmentationOptions { NoiseSigma = double.NaN }.Validate(), nameof(PixelAugmentationOptions.NoiseSigma) },
        { "temporal crop", () => new TemporalAugmentationOptions { MinCropFraction = 0 }.Validate(), nameof(TemporalAugmentationOptions.MinCropFraction) },
        { "temporal speeds", () => new TemporalAugmentationOptions { MinSpeed = 2, MaxSpeed = 1 }.Validate(), nameof(TemporalAugmentationOptions.MaxSpeed) },
        { "temporal drop", () => new TemporalAugmentationOptions { DropRate = -0.1 }.Validate(), nameof(TemporalAugmentationOptions.DropRate) },
        { "temporal frames", () => new TemporalAugmentationOptions { MaxFrames = 0 }.Validate(), nameof(TemporalAugmentationOptions.MaxFrames) },
        { "self-supervised batch", () => new SelfSupervisedOptions { BatchSize = 1 }.Validate(), nameof(SelfSupervisedOptions.BatchSize) },
        { "self-supervised temperature", () => new SelfSupervisedOptions { Temperature = 0 }.Validate(), nameof(SelfSupervisedOptions.Temperature) },
        { "self-supervised weight", () => new SelfSupervisedOptions { RegularizationWeight = -1 }.Validate(), nameof(SelfSupervisedOptions.RegularizationWeight) },
        { "self-supervised nested temporal", () => new SelfSupervisedOptions { Temporal = new() { SpeedProbability = 2 } }.Validate(), nameof(TemporalAugmentationOptions.SpeedProbability) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_throws_naming_the_option(string what, Action validate, string option)
    {
        var thrown = validate.Should().Throw<ArgumentException>(what).Which;
        thrown.ParamName.Should().Be(option, what);
        thrown.Message.Should().Contain(option, what);
    }

    [Fact]
    public void Ranges_throw_out_of_range_and_report_the_value()
    {
        var thrown = FluentActions.Invoking(() => new PixelAugmentationOptions { FlipProbability = 1.25 }.Validate())
            .Should().ThrowExactly<ArgumentOutOfRangeException>().Which;
        thrown.ActualValue.Should().Be(1.25);
        thrown.Message.Should().Contain("[0, 1]");
    }

    [Fact]
    public void Defaults_are_valid()
    {
        new PairSamplerOptions().Validate();
        new ScoreFusionOptions().Validate();
        new ScoreFusionOptions { Method = FusionMethod.Weighted, Weights = [0, 2] }.Validate();
        new TrainingOptions().Validate();
        new DistillationOptions().Validate();
        new PixelAugmentationOptions().Validate();
        new TemporalAugmentationOptions().Validate();
        new SelfSupervisedOptions().Validate();
    }

    [Fact]
    public void The_APIs_that_take_options_validate_them()
    {
        FluentActions.Invoking(() => new PairSampler(new PairSamplerOptions { Parallelism = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(nameof(PairSamplerOptions.Parallelism));
        FluentActions.Invoking(() => ScoreFusion.Fuse([], [ReadOnlyMemory<float>.Empty], new ScoreFusionOptions { Method = (FusionMethod)42 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(nameof(ScoreFusionOptions.Method));
        FluentActions.Invoking(() => TemporalAugmenter.Sample(new Random(1), 10, new TemporalAugmentationOptions { MaxFrames = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(nameof(TemporalAugmentationOptions.MaxFrames));
    }
}
