using DnS.Core.Text;
using DnS.Core.Weights;
using DnS.Training.Distillation;
using DnS.Training.Tests.Distillation;
using DnS.Training.Text;
using DnS.Training.Weights;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Text;

/// <summary>
/// The text trainers on real inputs (ffmpeg-made clips embedded by golden-text's tiny CLIP): the untrained networks are
/// DnS.Core's parameter-free scores, the trained ones exported and loaded back in DnS.Core give TorchSharp's forward
/// pass, training moves the student towards the teacher, and a canceled run resumes bit for bit.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TextTrainingTests(TorchFixture torchFixture, TextCorpus corpus, ITestOutputHelper output) : IClassFixture<TextCorpus>
{
    // Forward passes in float32 by different summation orders (libtorch's matmul vs the dot kernel and TensorPrimitives).
    private const double ForwardTolerance = 2e-6;

    [Fact]
    public void Untrained_text_pooling_is_the_mean_pooling_of_TextVideoScoring()
    {
        _ = torchFixture;
        using var student = new TextPoolingModule(corpus.Dims);
        using var trainer = NewDistillationTrainer(student, new TrainingOptions { Steps = 1, BatchSize = 4, MaxFrames = 64 });
        float[] embeddings = trainer.VideoEmbeddings();
        var expected = new float[corpus.Dims];
        double worst = 0;
        for (int v = 0; v < corpus.Videos.Count; v++)
        {
            TextVideoScoring.PoolFrames(corpus.Videos.GetFeatures(v).Span, expected);
            worst = Math.Max(worst, Tolerance.Check(embeddings.AsSpan(v * corpus.Dims, corpus.Dims), expected, ForwardTolerance, 0, corpus.Videos.GetId(v)));
        }
        output.WriteLine($"untrained pooling vs PoolFrames: worst |Δ| {worst:E2} over {corpus.Videos.Count} videos");
    }

    [Fact]
    public void Untrained_cross_attention_head_is_the_slow_score_of_TextVideoScoring()
    {
        using var head = new CrossAttentionHeadModule(corpus.Dims, corpus.Temperature);
        using var trainer = NewHeadTrainer(head, new TrainingOptions { Steps = 1, BatchSize = 8, MaxFrames = 64 });
        float[] scores = trainer.Scores(corpus.Queries);
        float[] expected = TextDistillation.SlowScores(corpus.Queries, corpus.Videos, corpus.Temperature);
        double worst = Tolerance.Check(scores, expected, ForwardTolerance);
        output.WriteLine($"untrained head vs SlowScore: worst |Δ| {worst:E2} over {expected.Length} query–video pairs");
    }

    [Fact]
    public async Task Trained_text_pooling_exported_and_loaded_in_DnS_Core_matches_TorchSharp()
    {
        using var student = new TextPoolingModule(corpus.Dims);
        using var trainer = NewDistillationTrainer(student, new TrainingOptions { Steps = 40, BatchSize = 8, MaxFrames = 64, Seed = 3 });
        trainer.Train();
        float[] torchEmbeddings = trainer.VideoEmbeddings();
        string path = Path.Combine(corpus.NewFolder("pooling"), TextDistillation.WeightsFileName);
        await student.ExportSafeTensorsAsync(path);

        var pooling = LearnedFramePooling.Load(path);
        pooling.Dimension.Should().Be(corpus.Dims);
        var pooled = new float[corpus.Dims];
        var mean = new float[corpus.Dims];
        double worst = 0, moved = 0;
        for (int v = 0; v < corpus.Videos.Count; v++)
        {
            pooling.Pool(corpus.Videos.GetFeatures(v).Span, pooled);
            worst = Math.Max(worst, Tolerance.Check(pooled, torchEmbeddings.AsSpan(v * corpus.Dims, corpus.Dims), ForwardTolerance, 0, corpus.Videos.GetId(v)));
            TextVideoScoring.PoolFrames(corpus.Videos.GetFeatures(v).Span, mean);
            for (int d = 0; d < corpus.Dims; d++) moved = Math.Max(moved, Math.Abs(pooled[d] - mean[d]));
        }
        moved.Should().BeGreaterThan(1e-3, "40 steps move the pooling away from the mean it starts at");
        output.WriteLine($"LearnedFramePooling vs TorchSharp: worst |Δ| {worst:E2}; largest change from mean pooling {moved:F4}");
    }

    [Fact]
    public async Task Trained_cross_attention_head_exported_and_loaded_in_DnS_Core_matches_TorchSharp()
    {
        using var head = new CrossAttentionHeadModule(corpus.Dims, corpus.Temperature);
        using var trainer = NewHeadTrainer(head, new TrainingOptions { Steps = 40, BatchSize = 8, MaxFrames = 64, Seed = 3 });
        trainer.Train();
        float[] torchScores = trainer.Scores(corpus.Queries);
        string path = Path.Combine(corpus.NewFolder("head"), "text-head.safetensors");
        await head.ExportSafeTensorsAsync(path);

        var scoring = CrossAttentionScoring.Load(path);
        scoring.Temperature.Should().NotBe(corpus.Temperature, "the temperature is trained too");
        int videos = corpus.Videos.Count, queries = corpus.Queries.Length / corpus.Dims;
        var scores = new float[queries * videos];
        for (int q = 0; q < queries; q++)
            for (int v = 0; v < videos; v++)
                scores[q * videos + v] = scoring.Score(corpus.Queries.AsSpan(q * corpus.Dims, corpus.Dims), corpus.Videos.GetFeatures(v).Span);
        double worst = Tolerance.Check(scores, torchScores, 1e-5);

        // The top-K form (videos back to back, the text's projections once) gives the per-video scores exactly.
        float[] allFrames = [.. Enumerable.Range(0, videos).SelectMany(v => corpus.Videos.GetFeatures(v).ToArray())];
        int[] counts = [.. Enumerable.Range(0, videos).Select(corpus.Videos.GetFrames)];
        var batched = new float[videos];
        scoring.Score(corpus.Queries.AsSpan(0, corpus.Dims), allFrames, counts, batched);
        batched.Should().Equal(scores.AsSpan(0, videos).ToArray());
        output.WriteLine($"CrossAttentionScoring vs TorchSharp: worst |Δ| {worst:E2} over {scores.Length} pairs; τ {corpus.Temperature} → {scoring.Temperature}");
    }

    [Fact]
    public void Caption_training_raises_the_caption_to_video_recall()
    {
        using var head = new CrossAttentionHeadModule(corpus.Dims, corpus.Temperature);
        using var trainer = NewHeadTrainer(head, new TrainingOptions { Steps = 150, BatchSize = 16, MaxFrames = 64, Seed = 1 });
        double before = trainer.RecallAt1(trainer.Examples);
        trainer.Train();
        double after = trainer.RecallAt1(trainer.Examples);
        output.WriteLine($"caption → video R@1 on the {corpus.CaptionVideos.Length} training captions: {before:P0} → {after:P0}");
        after.Should().BeGreaterThan(before);
    }

    [Fact]
    public async Task Distillation_brings_the_fast_rankings_closer_to_the_slow_ones()
    {
        // The pooling's initial weights come from libtorch's global generator: seeded here, or they depend on which tests
        // of the collection ran before (a run where an earlier test failed left another state, and this one failed).
        torch.manual_seed(23);
        var options = new TextDistillationOptions
        {
            Training = new TrainingOptions { Steps = 150, BatchSize = 8, MaxFrames = 64, Seed = 2 },
            TeacherTemperature = 0.01,
        };
        string folder = corpus.NewFolder("distill");
        var report = await TextDistillation.RunAsync(corpus.Videos, corpus.Queries, folder, options);
        output.WriteLine($"train queries: Spearman {report.TrainBefore.Spearman:F3} → {report.TrainAfter.Spearman:F3}, top-{report.TrainAfter.K} {report.TrainBefore.TopKOverlap:P0} → {report.TrainAfter.TopKOverlap:P0}");
        output.WriteLine($"held-out queries: Spearman {report.HeldOutBefore.Spearman:F3} → {report.HeldOutAfter.Spearman:F3}, top-{report.HeldOutAfter.K} {report.HeldOutBefore.TopKOverlap:P0} → {report.HeldOutAfter.TopKOverlap:P0}");
        report.Steps.Should().Be(150);
        (report.TrainQueries, report.HeldOutQueries).Should().Be((16, 4));
        report.TrainAfter.Spearman.Should().BeGreaterThan(report.TrainBefore.Spearman);
        File.Exists(Path.Combine(folder, TextDistillation.ReportFileName)).Should().BeTrue();
        LearnedFramePooling.Load(Path.Combine(folder, TextDistillation.WeightsFileName)).Dimension.Should().Be(corpus.Dims);
    }

    public static TheoryData<string> Trainers => ["distillation", "caption-head"];

    [Theory]
    [MemberData(nameof(Trainers))]
    public void A_canceled_run_resumed_from_its_checkpoint_equals_the_uninterrupted_run_bit_for_bit(string kind)
    {
        const int Steps = 8;
        var options = new TrainingOptions { Steps = Steps, BatchSize = 4, MaxFrames = 8, Seed = 13, LearningRate = 3e-3 };
        // MaxFrames 8 < the longest clips' 12 frames: the seeded random windows are part of what must replay.
        var (whole, wholeTrainer) = Create(kind, options);
        wholeTrainer.Train();
        var expected = StateOf(whole);
        float expectedNext = wholeTrainer.TrainStep();

        string checkpoint = Path.Combine(corpus.NewFolder("resume"), kind);
        var (first, firstTrainer) = Create(kind, options with { CheckpointDirectory = checkpoint });
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Step == Steps / 2) cancel.Cancel(); });
        FluentActions.Invoking(() => firstTrainer.Train(progress, cancel.Token)).Should().Throw<OperationCanceledException>();
        firstTrainer.Step.Should().Be(Steps / 2);

        var (resumed, resumedTrainer) = Create(kind, options with { CheckpointDirectory = checkpoint });
        CheckpointFolder.TryResume(checkpoint, resumedTrainer.LoadCheckpoint, out string? discarded).Should().BeTrue(discarded);
        resumedTrainer.Step.Should().Be(Steps / 2);
        resumedTrainer.Train();
        var actual = StateOf(resumed);
        foreach (var (name, values) in expected) actual[name].Should().Equal(values, $"{name} after the resumed run");
        resumedTrainer.TrainStep().Should().Be(expectedNext);

        // Without the checkpoint the same M remaining steps start from the initial weights: another result.
        var (fresh, freshTrainer) = Create(kind, options with { Steps = Steps - Steps / 2 });
        freshTrainer.Train();
        StateOf(fresh).Any(kv => !kv.Value.SequenceEqual(expected[kv.Key])).Should().BeTrue("M steps without resuming do not reach the N+M-step weights");
        output.WriteLine($"{kind}: resumed at step {Steps / 2}, {expected.Count} tensors equal bit for bit, next loss {expectedNext}");

        foreach (var d in new IDisposable[] { wholeTrainer, firstTrainer, resumedTrainer, freshTrainer, whole, first, resumed, fresh }) d.Dispose();
    }

    [Fact]
    public void A_checkpoint_of_other_teacher_scores_is_refused()
    {
        var options = new TrainingOptions { Steps = 2, BatchSize = 4, MaxFrames = 8, Seed = 13 };
        string checkpoint = Path.Combine(corpus.NewFolder("refuse"), "distillation");
        var (module, trainer) = Create("distillation", options with { CheckpointDirectory = checkpoint });
        trainer.Train();
        float[] teacher = TextDistillation.SlowScores(corpus.Queries, corpus.Videos, corpus.Temperature * 2);
        using var other = new TextPoolingModule(corpus.Dims);
        using var otherTrainer = new TextDistillationTrainer(other, corpus.Videos, corpus.Queries, teacher, Train, options);
        FluentActions.Invoking(() => otherTrainer.LoadCheckpoint(checkpoint)).Should().Throw<InvalidOperationException>().WithMessage("*other examples*");
        trainer.Dispose();
        module.Dispose();
    }

    [Fact]
    public async Task Weights_of_another_network_are_refused_with_the_file_named()
    {
        using var head = new CrossAttentionHeadModule(corpus.Dims, corpus.Temperature);
        string path = Path.Combine(corpus.NewFolder("wrong"), "head.safetensors");
        await head.ExportSafeTensorsAsync(path);
        FluentActions.Invoking(() => LearnedFramePooling.Load(path)).Should().Throw<WeightsFormatException>().WithMessage($"*{Path.GetFileName(path)}*");
        using var pooling = new TextPoolingModule(corpus.Dims);
        string poolingPath = Path.Combine(Path.GetDirectoryName(path)!, "pooling.safetensors");
        await pooling.ExportSafeTensorsAsync(poolingPath);
        FluentActions.Invoking(() => CrossAttentionScoring.Load(poolingPath)).Should().Throw<WeightsFormatException>().WithMessage("*pooling.safetensors*");
    }

    [Fact]
    public void Agreement_measures_match_hand_computed_values()
    {
        // Spearman of ranks (1,2,3,4) and (1,3,2,4): 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8; ties take mean ranks.
        float[] teacher = [0.1f, 0.2f, 0.3f, 0.4f, 5, 5, 1, 2];
        float[] student = [0.0f, 0.5f, 0.4f, 0.9f, 1, 2, 3, 4];
        var both = TextAgreement.Measure(teacher, student, 4, [0], k: 2);
        both.Spearman.Should().BeApproximately(0.8, 1e-12);
        both.TopKOverlap.Should().Be(0.5, "the teacher's top two are videos 3 and 2, the student's 3 and 1");
        // Row 1: teacher ranks (3.5, 3.5, 1, 2), student (1, 2, 3, 4): deviations (1, 1, −1.5, −0.5) and (−1.5, −0.5, 0.5, 1.5),
        // Pearson = −3.5 / √(4.5 · 5).
        var tied = TextAgreement.Measure(teacher, student, 4, [1], k: 2);
        tied.Spearman.Should().BeApproximately(-3.5 / Math.Sqrt(22.5), 1e-12);
        tied.TopKOverlap.Should().Be(0, "teacher's top two {0, 1}, student's {3, 2}");
    }

    private static readonly int[] Train = TextDistillation.Split(TextCorpus.QueryTexts.Length, 5).Train;

    private TextDistillationTrainer NewDistillationTrainer(TextPoolingModule student, TrainingOptions options) =>
        new(student, corpus.Videos, corpus.Queries, TextDistillation.SlowScores(corpus.Queries, corpus.Videos, corpus.Temperature), Train, options, videosPerStep: 6);

    private CaptionHeadTrainer NewHeadTrainer(CrossAttentionHeadModule head, TrainingOptions options) =>
        new(head, corpus.Videos, corpus.Captions, corpus.CaptionVideos.Select((v, c) => new CaptionPair(c, v)).ToArray(), options);

    private (nn.Module Module, ITrainer Trainer) Create(string kind, TrainingOptions options)
    {
        if (kind == "distillation")
        {
            var student = new TextPoolingModule(corpus.Dims);
            return (student, NewDistillationTrainer(student, options));
        }
        var head = new CrossAttentionHeadModule(corpus.Dims, corpus.Temperature);
        return (head, NewHeadTrainer(head, options));
    }

    private static Dictionary<string, float[]> StateOf(nn.Module module)
    {
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict()) state[name] = Tolerance.ToArray(tensor);
        return state;
    }
}
