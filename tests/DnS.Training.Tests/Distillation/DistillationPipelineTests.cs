using System.Text.Json;
using DnS.Core.Networks;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using DnS.Training.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using TorchSharp;

namespace DnS.Training.Tests.Distillation;

/// <summary>The pipeline end to end on the in-memory corpus: the model folder's merge and the selector's labels agree.</summary>
[Collection(TorchCollection.Name)]
public sealed class DistillationPipelineTests(TorchFixture torchFixture, ITestOutputHelper output) : IDisposable
{
    private const int Dims = 32;
    private static readonly TrainingOptions Training = new() { Steps = 4, BatchSize = 8, LearningRate = 1e-3, Seed = 3, MaxFrames = 16 };
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-pipeline-").FullName;
    private readonly TestCorpus _corpus = new(Dims, seed: 8);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<DistillationReport> DistilAsync(FineScoreCalibration? calibration, double threshold)
    {
        _ = torchFixture;
        torch.manual_seed(51);
        return await DistillationPipeline.RunAsync(_corpus, [ChamferTeacher.For(_corpus)], _folder, new DistillationOptions
        {
            Coarse = new CoarseStudentShape { Heads = 4, FeedForwardDims = 64, Clusters = 4, OutputDims = 16 },
            Sampling = new PairSamplerOptions { AnchorFraction = 0.5, Seed = 1 },
            FineTraining = Training,
            CoarseTraining = Training,
            SelectorTraining = Training,
            FineCalibration = calibration,
            SelectorThreshold = threshold,
            HeldOutFraction = 0,   // these tests check the folder's merge and labels on every pair, not the self-check
            Parallelism = 1,
        });
    }

    [Fact]
    public async Task The_model_folder_merges_by_the_options_calibration_and_the_selector_is_labeled_with_it()
    {
        var calibration = new FineScoreCalibration(1.3f, -0.1f);
        var report = await DistilAsync(calibration, SelectorTrainer.DefaultThreshold);

        DnsModels.ReadConfig(_folder).FineCalibration.Should().Be(calibration);
        DnsModels.Load(_folder).FineCalibration.Should().Be(calibration);

        // Independently: the written students' similarities on the training pairs, labeled |1.3·fine − 0.1 − coarse| > t.
        var cache = await TeacherScoreCache.LoadAsync(Path.Combine(_folder, DistillationPipeline.WorkFolder, "teacher-scores.bin"), _corpus);
        var pairs = ScoreFusion.Fuse(cache);
        float[] fine, coarse;
        using (var folder = ModelFolder.Load(_folder))
        {
            folder.FineCalibration.Should().Be(calibration);
            // libtorch over every frame, one pair at a time (the pipeline scores with the exported networks on DnS.Core,
            // which sees every frame and pads nothing).
            var allFrames = Training with { MaxFrames = 64, BatchSize = 1 };
            using (var trainer = new FineStudentTrainer(folder.Fine, _corpus, pairs, allFrames, itqSample: 0)) fine = trainer.Similarities(pairs);
            using (var trainer = new CoarseStudentTrainer(folder.Coarse, _corpus, pairs, allFrames)) coarse = trainer.Similarities(pairs);
            await folder.SaveAsync();
        }
        DnsModels.ReadConfig(_folder).FineCalibration.Should().Be(calibration, "retraining a network in place keeps the folder's merge");
        int positives = 0, referencePositives = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            if (Math.Abs(1.3f * fine[i] - 0.1f - coarse[i]) > SelectorTrainer.DefaultThreshold) positives++;
            if (Math.Abs(fine[i] / 2 + 0.5f - coarse[i]) > SelectorTrainer.DefaultThreshold) referencePositives++;
        }
        output.WriteLine($"{pairs.Count} pairs: {positives} re-rank labels under {calibration}, {referencePositives} under the reference");
        referencePositives.Should().NotBe(positives, "the two maps label these students' pairs differently");
        var accuracy = report.SelectorAccuracy!.Value;
        accuracy.Positives.Should().Be(positives);
        accuracy.Negatives.Should().Be(pairs.Count - positives);
    }

    [Fact]
    public async Task Without_a_calibration_the_coarse_student_learns_the_teacher_less_its_distractor_baseline()
    {
        var report = await DistilAsync(null, SelectorTrainer.DefaultThreshold);

        var cache = await TeacherScoreCache.LoadAsync(Path.Combine(_folder, DistillationPipeline.WorkFolder, "teacher-scores.bin"), _corpus);
        var pairs = ScoreFusion.Fuse(cache);
        var distractors = pairs.Where(p => p.Kind == PairKind.Distractor).Select(p => p.Target).ToList();
        distractors.Sort();
        float baseline = distractors[distractors.Count / 2];
        baseline.Should().NotBe(0f, "this corpus's teacher scores unrelated videos above 0");
        DnsModels.ReadConfig(_folder).FineCalibration.Should().Be(new FineScoreCalibration(1, -baseline));

        // Independently (libtorch over every frame): the reported coarse error is against the centered targets.
        float[] coarse;
        using (var folder = ModelFolder.Load(_folder))
        using (var trainer = new CoarseStudentTrainer(folder.Coarse, _corpus, pairs, Training with { MaxFrames = 64, BatchSize = 1 }))
            coarse = trainer.Similarities(pairs);
        double error = 0;
        for (int i = 0; i < pairs.Count; i++) error += Math.Abs(coarse[i] - (pairs[i].Target - baseline));
        report.Coarse.ErrorAfter.Should().BeApproximately(error / pairs.Count, 1e-4);
    }

    [Fact]
    public async Task A_selector_without_re_rank_labels_still_writes_its_report()
    {
        // No pair disagrees by more than 0.99: the re-rank class is empty and its accuracy undefined (NaN in the JSON).
        var report = await DistilAsync(FineScoreCalibration.Reference, 0.99);
        report.SelectorAccuracy!.Value.Positives.Should().Be(0);
        double.IsNaN(report.SelectorAccuracy.Value.PositiveAccuracy).Should().BeTrue();
        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, DistillationPipeline.ReportFileName)));
        written.RootElement.GetProperty("selectorAccuracy").GetProperty("positiveAccuracy").GetString().Should().Be("NaN");
    }
}
