using System.Text.Json;
using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Distillation;

/// <summary>Trained networks written as a model folder load with <see cref="DnsModels.Load(string)"/> and score as the TorchSharp forward does.</summary>
[Collection(TorchCollection.Name)]
public sealed class ModelFolderWriterTests(TorchFixture torchFixture, ITestOutputHelper output) : IDisposable
{
    private const int Dims = 32;
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-models-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.Binary)]
    public async Task Exported_folder_loads_in_DnS_Core_with_the_torch_scores(FineGrainedVariant variant)
    {
        _ = torchFixture;
        using var scope = NewDisposeScope();
        torch.manual_seed(41);
        var corpus = new TestCorpus(Dims, seed: 6);
        var pairs = corpus.Pairs();
        var options = new TrainingOptions { Steps = 3, BatchSize = 8, LearningRate = 1e-3, Seed = 15, MaxFrames = 16 };
        using var coarse = new CoarseGrainedStudentModule(Dims, heads: 4, feedForwardDims: 64, layers: 2, clusters: 4, outDims: 16);
        using var fine = new FineGrainedStudentModule(variant, Dims, Dims);
        using var selector = new SelectorNetworkModule(Dims, hiddenSize: 12);
        // A few steps each, so the export carries trained weights and moved BatchNorm statistics.
        using (var trainer = new CoarseStudentTrainer(coarse, corpus, pairs, options)) trainer.Train();
        using (var trainer = new FineStudentTrainer(fine, corpus, pairs, options, itqSample: 1000)) trainer.Train();
        var selectorPairs = Array.ConvertAll(pairs, p => new SelectorPair(p.Anchor, p.Other, p.Target, 0.5f));
        using (var trainer = new SelectorTrainer(selector, corpus, selectorPairs, options, FineScoreCalibration.Reference)) trainer.Train();

        var calibration = new FineScoreCalibration(0.93f, -0.02f);
        var written = await ModelFolderWriter.WriteAsync(_folder, coarse, fine, selector, TestCorpus.R, calibration);
        var config = JsonSerializer.Deserialize<DnsModelsConfig>(File.ReadAllText(Path.Combine(_folder, DnsModels.ConfigFileName)), DnsModels.JsonOptions);
        config.Should().BeEquivalentTo(written);
        config!.Fine.Variant.Should().Be(variant);
        config.Coarse.TransformerHeads.Should().Be(4);
        config.FineCalibration.Should().Be(calibration);
        config.FineWeights.Should().Be(variant == FineGrainedVariant.Binary ? "dns_fg_bin_student.safetensors" : "dns_fg_att_student.safetensors");

        var models = DnsModels.Load(_folder);
        models.Coarse.TransformerLayers.Should().Be(2);
        models.Fine.Variant.Should().Be(variant);
        models.Selector.Should().NotBeNull();
        models.FineCalibration.Should().Be(calibration);
        coarse.eval();
        fine.eval();
        selector.eval();
        using var noGrad = no_grad();

        double worstCoarse = 0, worstFine = 0, worstSelector = 0;
        int[] videos = [0, 1, 3, 5, 6, 8];
        foreach (int v in videos)
        {
            var x = Video(corpus, v);
            worstCoarse = Math.Max(worstCoarse, Tolerance.Check(models.Coarse.IndexVideo(corpus.GetFeatures(v).Span), Tolerance.ToArray(coarse.forward(x, null)[0]), 1e-5, 0, $"coarse v{v}"));
            float selfSimilarity = models.Selector!.IndexVideo(corpus.GetFeatures(v).Span);
            worstSelector = Math.Max(worstSelector, Math.Abs(selfSimilarity - selector.IndexVideo(x).item<float>()));
            foreach (int t in videos)
            {
                float expected = fine.forward(x, Video(corpus, t)).item<float>();
                float actual = models.Fine.Similarity(models.Fine.IndexVideo(corpus.GetFeatures(v).Span), models.Fine.IndexVideo(corpus.GetFeatures(t).Span));
                worstFine = Math.Max(worstFine, Math.Abs(actual - expected));
            }
        }
        var triples = torch.tensor(new[] { 0.1f, 0.4f, 0.7f, -0.2f, 0.9f, 0.3f }, [2, 3]);
        var scores = Tolerance.ToArray(selector.forward(triples));
        worstSelector = Math.Max(worstSelector, Math.Abs(models.Selector!.Score(0.1f, 0.4f, 0.7f) - scores[0]));
        worstSelector = Math.Max(worstSelector, Math.Abs(models.Selector.Score(-0.2f, 0.9f, 0.3f) - scores[1]));
        output.WriteLine($"{variant}: DnS.Core vs TorchSharp worst |err| coarse {worstCoarse:E2}, fine {worstFine:E2}, selector {worstSelector:E2}");
        worstFine.Should().BeLessThanOrEqualTo(1e-5);
        worstSelector.Should().BeLessThanOrEqualTo(1e-5);
    }

    [Fact]
    public async Task Networks_of_different_D_are_refused()
    {
        using var coarse = new CoarseGrainedStudentModule(Dims, 4, 64, 1, 4, 16);
        using var fine = new FineGrainedStudentModule(FineGrainedVariant.Attention, 16);
        await FluentActions.Awaiting(() => ModelFolderWriter.WriteAsync(_folder, coarse, fine, null, 9, null)).Should().ThrowAsync<ArgumentException>()
            .WithMessage("*coarse 32, fine 16*");
    }

    private static Tensor Video(TestCorpus corpus, int v)
        => torch.tensor(corpus.GetFeatures(v).ToArray(), [1, corpus.GetFrames(v), TestCorpus.R, Dims]);
}
