using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace DnS.Training.Tests.Distillation;

/// <summary>
/// The pipeline scores its pairs with the exported networks on DnS.Core; libtorch, which trained them, is the
/// independent oracle: both must give the same similarities and selector probabilities for every pair.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ExportedNetworksTests(TorchFixture torchFixture) : IDisposable
{
    private const int Dims = 32;
    // The oracle sees every frame, as DnS.Core does (the corpus's longest video has 20), one pair at a time: a padded batch
    // changes what the comparator CNN sees at the borders of the shorter videos.
    private static readonly TrainingOptions AllFrames = new() { Steps = 1, BatchSize = 1, Seed = 2, MaxFrames = 64 };
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-exported-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.Binary)]
    public async Task Exported_networks_score_pairs_as_libtorch_does(FineGrainedVariant variant)
    {
        _ = torchFixture;
        torch.manual_seed(17);
        var corpus = new TestCorpus(Dims, seed: 5);
        var pairs = corpus.Pairs();
        using var fine = new FineGrainedStudentModule(variant, Dims, Dims);
        using var coarse = new CoarseStudentShape { Heads = 4, FeedForwardDims = 64, Clusters = 4, OutputDims = 16 }.Create(Dims);
        using var selector = new SelectorNetworkModule(Dims);
        using var fineTrainer = new FineStudentTrainer(fine, corpus, pairs, AllFrames);
        using var coarseTrainer = new CoarseStudentTrainer(coarse, corpus, pairs, AllFrames);
        // A few steps move every network off its initialization (BatchNorm statistics included).
        fineTrainer.Train();
        coarseTrainer.Train();

        var exported = await ExportedNetworks.ExportAsync(_folder, coarse, fine, selector, corpus, FineScoreCalibration.Reference, parallelism: 2, CancellationToken.None);

        float[] torchFine = fineTrainer.Similarities(pairs), torchCoarse = coarseTrainer.Similarities(pairs);
        float[] coreFine = exported.FineSimilarities(pairs), coreCoarse = exported.CoarseSimilarities(pairs);
        for (int i = 0; i < pairs.Length; i++)
        {
            coreFine[i].Should().BeApproximately(torchFine[i], 1e-4f, $"fine, pair {i}");
            coreCoarse[i].Should().BeApproximately(torchCoarse[i], 1e-4f, $"coarse, pair {i}");
        }
        torchFine.Distinct().Count().Should().BeGreaterThan(pairs.Length / 2, "the pairs are scored, not one constant");

        var selectorPairs = SelectorPairs.From(pairs, torchFine, torchCoarse);
        using var selectorTrainer = new SelectorTrainer(selector, corpus, selectorPairs, AllFrames with { BatchSize = 4 }, FineScoreCalibration.Reference);
        float[] torchProbabilities = selectorTrainer.Probabilities(selectorPairs), coreProbabilities = exported.SelectorProbabilities(selectorPairs);
        for (int i = 0; i < selectorPairs.Length; i++)
            coreProbabilities[i].Should().BeApproximately(torchProbabilities[i], 1e-4f, $"selector, pair {i}");
        selectorTrainer.Evaluate(selectorPairs, coreProbabilities).Loss.Should().BeApproximately(selectorTrainer.Evaluate(selectorPairs).Loss, 1e-4);
    }
}
