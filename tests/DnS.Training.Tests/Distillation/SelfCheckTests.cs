using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Distillation;
using DnS.Training.Teachers;
using DnS.Training.Tests.SelfSupervised;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Training.Tests.Distillation;

/// <summary>
/// The held-out self-check of <see cref="DistillationPipeline"/> on real features: six ffmpeg-made lavfi clips and a
/// re-encoded copy of each (12 videos, built-in encoder), a clip and its copy labeled as copies of each other; and two
/// strongly augmented views of each clip.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class SelfCheckTests(AugmentedViewCorpus corpus, ITestOutputHelper output)
{
    private static readonly TrainingOptions Training = new() { Steps = 40, BatchSize = 8, LearningRate = 1e-3, Seed = 5, MaxFrames = 16 };

    private static DistillationOptions Options(IReadOnlyList<IReadOnlyCollection<string>>? relevance, TrainingOptions? training = null) => new()
    {
        Coarse = new CoarseStudentShape { Heads = 4, FeedForwardDims = 64, Clusters = 8, OutputDims = 64 },
        Sampling = new PairSamplerOptions { AnchorFraction = 1, MaxPositives = 1, Seed = 2 },
        FineTraining = training ?? Training,
        CoarseTraining = training ?? Training,
        SelectorTraining = new TrainingOptions { Steps = 2, BatchSize = 8, Seed = 5, MaxFrames = 16 },
        HeldOutFraction = 0.25,
        Relevance = relevance,
        Parallelism = 1,
    };

    // A clip and its copy.
    private static List<IReadOnlyCollection<string>> CopyGroups(IRegionFeatureSource videos) =>
        Enumerable.Range(0, videos.Count).Select(videos.GetId).GroupBy(Clip).Select(g => (IReadOnlyCollection<string>)g.ToList()).ToList();

    private static string Clip(string id) => id.Replace("-copy", "", StringComparison.Ordinal);

    private async Task<(DistillationReport Report, string Folder)> DistilAsync(IRegionFeatureSource views, IPairTeacher teacher, DistillationOptions options)
    {
        string folder = corpus.NewFolder("self-check");
        torch.manual_seed(17);
        var report = await DistillationPipeline.RunAsync(views, [teacher], folder, options);
        var check = report.SelfCheck!;
        foreach (var (name, r) in new[] { ("teacher", check.Teacher), ("fine", check.FineStudent), ("coarse", check.CoarseStudent), ("pf fine", check.ParameterFreeFine), ("pf coarse", check.ParameterFreeCoarse) })
            output.WriteLine($"{name,-10} agreement {r.TeacherAgreement:F3} labeled {r.LabeledMap:F3}");
        foreach (var failure in check.Failures) output.WriteLine(failure);
        return (report, folder);
    }

    [Fact]
    public async Task A_fine_student_of_an_inverted_teacher_is_replaced_by_the_chamfer_and_kept_in_the_rejected_folder()
    {
        var views = await corpus.CopiesAsync();
        var (report, folder) = await DistilAsync(views, new InvertedTeacher(ChamferTeacher.For(views)), Options(CopyGroups(views)));

        var check = report.SelfCheck!;
        check.HeldOutAnchors.Should().Be(3, "a quarter of the 12 anchors");
        check.LabeledAnchors.Should().Be(3);
        check.Measure.Should().Be(SelfCheckMeasure.LabeledMap);
        check.Teacher.LabeledMap.Should().BeLessThan(0.5, "the inverted teacher ranks a clip's copy last");
        check.FineStudent.LabeledMap.Should().BeLessThan(check.ParameterFreeFine.LabeledMap!.Value - check.Tolerance);
        check.FineStudentPassed.Should().BeFalse();
        check.Failures.Should().ContainSingle(f => f.Contains("fine student") && f.Contains("labeled mAP"));
        // The coarse student, trained on the targets less the teacher's baseline, still ranks each clip's copy first.
        check.CoarseStudentPassed.Should().BeTrue();

        report.Installed.Should().BeTrue();
        report.ChamferFine.Should().BeTrue();
        report.ModelDirectory.Should().Be(folder);
        var config = DnsModels.ReadConfig(folder);
        config.Fine.Variant.Should().Be(FineGrainedVariant.ParameterFree);
        config.Fine.Comparator.Should().BeFalse();
        config.SelectorWeights.Should().NotBeNull("the installed coarse student gets a selector for the chamfer");
        // Independently: the installed fine stage scores a pair as the training side's chamfer teacher does.
        var installed = DnsModels.Load(folder).Fine;
        float Installed(int a, int b) => installed.Similarity(installed.IndexVideo(views.GetFeatures(a).Span), installed.IndexVideo(views.GetFeatures(b).Span));
        Installed(0, 1).Should().BeApproximately(ChamferTeacher.For(views).Score(views, 0, 1), 1e-5f);
        Installed(2, 7).Should().BeApproximately(ChamferTeacher.For(views).Score(views, 2, 7), 1e-5f);

        string rejected = Path.Combine(folder, DistillationPipeline.RejectedFolder);
        DnsModels.ReadConfig(rejected).SelectorWeights.Should().BeNull();
        DnsModels.Load(rejected).Fine.Variant.Should().Be(FineGrainedVariant.Attention, "the refused student is kept as a loadable folder");
    }

    [Fact]
    public async Task Students_distilled_from_the_chamfer_teacher_pass_and_are_installed()
    {
        var views = await corpus.CopiesAsync();
        var (report, folder) = await DistilAsync(views, ChamferTeacher.For(views), Options(CopyGroups(views)));

        var check = report.SelfCheck!;
        check.Measure.Should().Be(SelfCheckMeasure.LabeledMap);
        check.ParameterFreeFine.TeacherAgreement.Should().Be(1.0, "the chamfer teacher is the parameter-free fine model");
        check.FineStudent.LabeledMap.Should().BeGreaterThanOrEqualTo(check.ParameterFreeFine.LabeledMap!.Value - check.Tolerance);
        check.CoarseStudent.LabeledMap.Should().BeGreaterThanOrEqualTo(check.ParameterFreeCoarse.LabeledMap!.Value - check.Tolerance);
        check.Failures.Should().BeEmpty();
        report.Installed.Should().BeTrue();
        report.ModelDirectory.Should().Be(folder);
        DnsModels.ReadConfig(folder).SelectorWeights.Should().NotBeNull();
    }

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.ParameterFree)]
    public async Task Untrained_students_are_judged_on_agreement_with_the_teacher_when_there_are_no_labels(FineGrainedVariant fineVariant)
    {
        // The strongly augmented views (not the mild copies, which even random networks rank first) separate the models.
        var views = await corpus.ViewsAsync();
        var (report, folder) = await DistilAsync(views, ChamferTeacher.For(views), Options(null, Training with { Steps = 0 }) with { FineVariant = fineVariant });

        var check = report.SelfCheck!;
        check.Measure.Should().Be(SelfCheckMeasure.TeacherAgreement);
        check.LabeledAnchors.Should().Be(0);
        check.FineStudent.LabeledMap.Should().BeNull();
        check.Teacher.TeacherAgreement.Should().Be(1.0);
        report.Fine.Steps.Should().Be(0);
        if (fineVariant == FineGrainedVariant.Attention)
        {
            check.FineStudent.TeacherAgreement.Should().BeLessThan(check.ParameterFreeFine.TeacherAgreement - check.Tolerance);
            check.FineStudentPassed.Should().BeFalse();
        }
        else
        {
            check.FineStudent.Should().Be(check.ParameterFreeFine, "without a fine student the fine stage is the chamfer");
        }
        // The untrained coarse student against the mean of the region vectors is close, and the views (and so the verdict)
        // differ between runs of the fixture: both outcomes are checked for what they must leave behind.
        string rejected = Path.Combine(folder, DistillationPipeline.RejectedFolder);
        report.Installed.Should().Be(check.CoarseStudentPassed);
        report.ChamferFine.Should().Be(fineVariant == FineGrainedVariant.ParameterFree || report.Installed, "an installed folder re-ranks with the chamfer");
        report.ModelDirectory.Should().Be(report.Installed ? folder : rejected);
        File.Exists(Path.Combine(report.ModelDirectory, DistillationPipeline.ReportFileName)).Should().BeTrue();
        File.Exists(Path.Combine(folder, DnsModels.ConfigFileName)).Should().Be(report.Installed, "only passing coarse students are installed");
        (report.Selector is null).Should().Be(!report.Installed, "refused students get no selector");
        if (!check.Passed)
        {
            DnsModels.ReadConfig(rejected).SelectorWeights.Should().BeNull();
            DnsModels.Load(rejected).Should().NotBeNull("the refused students are kept as a loadable folder");
        }
    }

    [Fact]
    public async Task The_parameter_free_coarse_map_equals_an_independent_computation()
    {
        // Oracle: cosine of the L2-normalized mean region vectors, summed in double, and AP by its definition.
        var views = await corpus.CopiesAsync();
        var groups = CopyGroups(views);
        var (report, folder) = await DistilAsync(views, ChamferTeacher.For(views), Options(groups));
        var split = HeldOutSplit.Create(ScoreFusion.Fuse(await TeacherScoreCache.LoadAsync(
            Path.Combine(folder, DistillationPipeline.WorkFolder, "teacher-scores.bin"), views)), views.Count, 0.25, 2);

        double sum = 0;
        foreach (int anchor in split.Anchors)
        {
            var means = Enumerable.Range(0, views.Count).Select(v => MeanRegion(views, v)).ToArray();
            string clip = Clip(views.GetId(anchor));
            var ranked = Enumerable.Range(0, views.Count).Where(v => v != anchor)
                .OrderByDescending(v => Cosine(means[anchor], means[v])).ToList();
            int rank = ranked.FindIndex(v => Clip(views.GetId(v)) == clip) + 1;
            sum += 1.0 / rank;   // one relevant video per anchor
        }
        report.SelfCheck!.ParameterFreeCoarse.LabeledMap.Should().BeApproximately(sum / split.Anchors.Length, 1e-9);
    }

    [Fact]
    public void The_held_out_split_is_seeded_and_keeps_held_out_videos_out_of_training()
    {
        var pairs = new TestCorpus(8, seed: 3).Pairs();   // 6 anchors, each with its copy as the positive
        var split = HeldOutSplit.Create(pairs, 12, 0.34, seed: 4);

        split.Anchors.Should().HaveCount(2).And.BeInAscendingOrder();
        HeldOutSplit.Create(pairs, 12, 0.34, seed: 4).Anchors.Should().Equal(split.Anchors);
        Enumerable.Range(0, 10).Select(seed => string.Join(',', HeldOutSplit.Create(pairs, 12, 0.34, seed).Anchors)).Distinct().Should().HaveCountGreaterThan(1);
        foreach (int a in split.Anchors)
        {
            split.IsHeldOut[a].Should().BeTrue();
            split.IsHeldOut[a + 6].Should().BeTrue("the anchor's mined positive is held out with it");
        }
        split.IsHeldOut.Count(h => h).Should().Be(4);
        split.Training.Should().NotBeEmpty().And.OnlyContain(p => !split.IsHeldOut[p.Anchor] && !split.IsHeldOut[p.Other]);
        split.Training.Should().HaveCount(pairs.Count(p => !split.IsHeldOut[p.Anchor] && !split.IsHeldOut[p.Other]));
        HeldOutSplit.Create(pairs, 12, 0, seed: 4).Training.Should().HaveCount(pairs.Length, "fraction 0 holds nothing out");
    }

    private static double[] MeanRegion(IRegionFeatureSource source, int video)
    {
        var features = source.GetFeatures(video).Span;
        var mean = new double[source.Dims];
        for (int i = 0; i < features.Length; i++) mean[i % source.Dims] += features[i];
        double norm = Math.Sqrt(mean.Sum(x => x * x));
        return mean.Select(x => x / norm).ToArray();
    }

    private static double Cosine(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    // A deliberately bad teacher: the chamfer with its sign flipped, so copies score lowest.
    private sealed class InvertedTeacher(IPairTeacher inner) : IPairTeacher
    {
        public string Name => "inverted";

        public float Score(IRegionFeatureSource source, int query, int target) => -inner.Score(source, query, target);
    }
}
