using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Distillation;

[Collection(TorchCollection.Name)]
public sealed class SelectorTrainerTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private const int Dims = 32;

    [Theory]
    [InlineData(0.6f, 0.5f, true)]    // |0.8 − 0.5| = 0.3
    [InlineData(0.6f, 0.7f, false)]   // |0.8 − 0.7| = 0.1
    [InlineData(-1f, 0.25f, true)]    // |0 − 0.25| = 0.25
    [InlineData(-1f, 0.15f, false)]   // |0 − 0.15| = 0.15
    [InlineData(1f, 0.75f, true)]     // |1 − 0.75| = 0.25
    [InlineData(0f, 0.2f, true)]      // |0.5 − 0.2| = 0.3
    public void Label_is_one_when_the_mapped_fine_score_and_the_coarse_score_differ_by_more_than_t(float fine, float coarse, bool expected)
        => SelectorTrainer.Label(new SelectorPair(0, 1, fine, coarse), FineScoreCalibration.Reference).Should().Be(expected);

    [Fact]
    public void Threshold_changes_the_label()
    {
        var pair = new SelectorPair(0, 1, 0.6f, 0.5f); // |0.8 − 0.5| = 0.3
        SelectorTrainer.Label(pair, FineScoreCalibration.Reference, 0.25).Should().BeTrue();
        SelectorTrainer.Label(pair, FineScoreCalibration.Reference, 0.35).Should().BeFalse();
    }

    [Theory]
    [InlineData(0.6f, 0.5f, false)]   // |0.6 − 0.5| = 0.1 (reference: 0.3)
    [InlineData(0.1f, 0.5f, true)]    // |0.1 − 0.5| = 0.4 (reference: 0.05)
    [InlineData(-0.2f, -0.1f, false)] // |−0.2 + 0.1| = 0.1 (reference: 0.5)
    public void Label_compares_the_folders_calibrated_fine_score(float fine, float coarse, bool expected)
    {
        var identity = new FineScoreCalibration(1, 0);
        var pair = new SelectorPair(0, 1, fine, coarse);
        SelectorTrainer.Label(pair, identity).Should().Be(expected);
        SelectorTrainer.Label(pair, FineScoreCalibration.Reference).Should().Be(!expected);
    }

    [Fact]
    public void Selector_pairs_carry_the_students_eval_similarities()
    {
        _ = torchFixture;
        torch.manual_seed(32);
        var corpus = new TestCorpus(Dims, seed: 7);
        var pairs = corpus.Pairs();
        var options = new TrainingOptions { BatchSize = 8, MaxFrames = 16 };
        using var fine = new FineGrainedStudentModule(DnS.Core.Networks.FineGrainedVariant.Attention, Dims);
        using var coarse = new CoarseGrainedStudentModule(Dims, 4, 64, 1, 4, 16);
        using var fineTrainer = new FineStudentTrainer(fine, corpus, pairs, options);
        using var coarseTrainer = new CoarseStudentTrainer(coarse, corpus, pairs, options);
        var selectorPairs = SelectorPairs.FromStudents(pairs, fineTrainer, coarseTrainer);
        selectorPairs.Select(p => (p.Anchor, p.Other)).Should().Equal(pairs.Select(p => (p.Anchor, p.Other)));
        selectorPairs.Select(p => p.FineSimilarity).Should().Equal(fineTrainer.Similarities(pairs));
        selectorPairs.Select(p => p.CoarseSimilarity).Should().Equal(coarseTrainer.Similarities(pairs));

        // One pair by hand: the coarse similarity is the dot product of the two eval-mode video vectors.
        coarse.eval();
        using var noGrad = no_grad();
        var (a, o) = (pairs[3].Anchor, pairs[3].Other);
        var va = coarse.forward(torch.tensor(corpus.GetFeatures(a).ToArray(), [1, corpus.GetFrames(a), TestCorpus.R, Dims]), null);
        var vo = coarse.forward(torch.tensor(corpus.GetFeatures(o).ToArray(), [1, corpus.GetFrames(o), TestCorpus.R, Dims]), null);
        selectorPairs[3].CoarseSimilarity.Should().BeApproximately((va * vo).sum().item<float>(), 1e-5f);
    }

    /// <summary>A calibration other than the reference, so the tests see the trainer label with the one it is given.</summary>
    private static readonly FineScoreCalibration Calibration = new(0.9f, 0.05f);

    /// <summary>Every third pair's coarse score is 0.5 below the calibrated fine score (label 1), the others equal it (label 0).</summary>
    private static SelectorPair[] Pairs(TestCorpus corpus)
    {
        var scored = corpus.Pairs();
        var pairs = new SelectorPair[scored.Length];
        for (int i = 0; i < scored.Length; i++)
        {
            float mapped = Calibration.Map(scored[i].Target);
            pairs[i] = new SelectorPair(scored[i].Anchor, scored[i].Other, scored[i].Target, i % 3 == 0 ? mapped - 0.5f : mapped);
        }
        return pairs;
    }

    [Fact]
    public void Classes_are_weighted_by_inverse_frequency_and_training_lowers_the_balanced_loss()
    {
        _ = torchFixture;
        torch.manual_seed(31);
        var corpus = new TestCorpus(Dims, seed: 4);
        var pairs = Pairs(corpus);
        int positives = pairs.Count(p => SelectorTrainer.Label(p, Calibration));
        positives.Should().Be((pairs.Length + 2) / 3);
        pairs.Count(p => SelectorTrainer.Label(p, FineScoreCalibration.Reference)).Should().NotBe(positives, "the reference mapping labels these pairs otherwise");
        using var selector = new SelectorNetworkModule(Dims);
        var options = new TrainingOptions { Steps = 40, BatchSize = 16, LearningRate = 3e-3, Seed = 12, MaxFrames = 16 };
        using var trainer = new SelectorTrainer(selector, corpus, pairs, options, Calibration);
        trainer.Positives.Should().Be(positives);
        trainer.Negatives.Should().Be(pairs.Length - positives);
        trainer.PositiveWeight.Should().BeApproximately(pairs.Length / (2.0 * positives), 1e-12);
        trainer.NegativeWeight.Should().BeApproximately(pairs.Length / (2.0 * (pairs.Length - positives)), 1e-12);

        var before = trainer.Evaluate(pairs);
        before.Positives.Should().Be(positives);
        trainer.Train();
        var after = trainer.Evaluate(pairs);
        output.WriteLine($"selector: balanced BCE {before.Loss:F4} → {after.Loss:F4}, accuracy {before.Accuracy:P1} → {after.Accuracy:P1} " +
                         $"(label 1: {after.PositiveAccuracy:P1}, label 0: {after.NegativeAccuracy:P1}) after {options.Steps} steps");
        after.Loss.Should().BeLessThan(before.Loss * 0.8);
        after.Accuracy.Should().BeApproximately((after.PositiveAccuracy * positives + after.NegativeAccuracy * (pairs.Length - positives)) / pairs.Length, 1e-9);

        var probabilities = trainer.Probabilities(pairs);
        int hits = 0;
        for (int i = 0; i < pairs.Length; i++)
            if (probabilities[i] > 0.5f == SelectorTrainer.Label(pairs[i], Calibration)) hits++;
        after.Accuracy.Should().BeApproximately((double)hits / pairs.Length, 1e-9);
    }
}
