using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Teachers;

public sealed class TeacherScoreCacheTests : IDisposable
{
    private static readonly GroupedCorpus Corpus = new(groups: 6, membersPerGroup: 3);
    private readonly string _directory = Directory.CreateTempSubdirectory("dns-scores-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Task<IReadOnlyList<SampledPair>> SampleAsync() =>
        new PairSampler(new PairSamplerOptions { AnchorCount = 5, MaxPositives = 2, AnchorNegatives = 4, Distractors = 4, Seed = 11 })
            .SampleAsync(Corpus, ChamferTeacher.For(Corpus));

    // A second, different teacher: the symmetric region chamfer (ViSiL head without attention or comparator).
    private static IPairTeacher Symmetric() => new NetworkTeacher("symmetric-chamfer",
        DnS.Core.Networks.ViSiLTeacher.Load(new DnS.Core.Weights.TensorCollection("none"), new DnS.Core.Networks.ViSiLTeacherConfig { Symmetric = true, Regions = Corpus.Regions }));

    [Fact]
    public async Task Round_trip_keeps_ids_pairs_names_and_scores_equal_to_direct_teacher_calls()
    {
        var pairs = await SampleAsync();
        IPairTeacher[] teachers = [ChamferTeacher.For(Corpus), Symmetric()];
        var reports = new List<ScoringProgress>();
        var cache = await TeacherScoreCache.ScoreAsync(Corpus, pairs, teachers, new SyncProgress<ScoringProgress>(reports.Add));
        string path = Path.Combine(_directory, "scores.bin");
        await cache.SaveAsync(path);
        var loaded = await TeacherScoreCache.LoadAsync(path, Corpus);

        loaded.VideoIds.Should().Equal(Enumerable.Range(0, Corpus.Count).Select(Corpus.GetId));
        loaded.Pairs.Should().Equal(pairs);
        loaded.TeacherNames.Should().Equal("chamfer", "symmetric-chamfer");
        for (int t = 0; t < teachers.Length; t++)
            loaded.GetScores(teachers[t].Name).ToArray().Should().Equal(pairs.Select(p => teachers[t].Score(Corpus, p.Anchor, p.Other)));
        loaded.GetScores(0).ToArray().Should().NotEqual(loaded.GetScores(1).ToArray());
        reports.Should().NotBeEmpty();
        reports.Max(r => r.Completed).Should().Be(2L * pairs.Count);
        File.Exists(path + ".tmp").Should().BeFalse();
    }

    [Fact]
    public async Task Loading_checks_the_feature_set_and_the_file_and_names_the_file()
    {
        var pairs = await SampleAsync();
        var cache = await TeacherScoreCache.ScoreAsync(Corpus, pairs, [ChamferTeacher.For(Corpus)]);
        string path = Path.Combine(_directory, "scores.bin");
        await cache.SaveAsync(path);

        var fewer = new GroupedCorpus(groups: 5, membersPerGroup: 3);
        await FluentActions.Awaiting(() => TeacherScoreCache.LoadAsync(path, fewer))
            .Should().ThrowAsync<InvalidDataException>().WithMessage($"{path}: *18 videos, this one has 15*");
        var renamed = new GroupedCorpus(groups: 6, membersPerGroup: 3, idPrefix: "w");
        await FluentActions.Awaiting(() => TeacherScoreCache.LoadAsync(path, renamed))
            .Should().ThrowAsync<InvalidDataException>().WithMessage($"{path}: video 0 is 'v000' in the scores but 'w000'*");

        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);
        await FluentActions.Awaiting(() => TeacherScoreCache.LoadAsync(path, Corpus)).Should().ThrowAsync<InvalidDataException>().WithMessage($"{path}: checksum mismatch*");
        await File.WriteAllBytesAsync(path, bytes[..20]);
        await FluentActions.Awaiting(() => TeacherScoreCache.LoadAsync(path, Corpus)).Should().ThrowAsync<InvalidDataException>().WithMessage($"{path}:*");
        await File.WriteAllTextAsync(path, "not a cache at all, just text");
        await FluentActions.Awaiting(() => TeacherScoreCache.LoadAsync(path, Corpus)).Should().ThrowAsync<InvalidDataException>().WithMessage($"{path}: not a teacher score cache*");
    }

    [Fact]
    public async Task LoadOrScore_scores_only_missing_teachers_and_rescores_other_pairs()
    {
        var pairs = await SampleAsync();
        string path = Path.Combine(_directory, "scores.bin");
        var chamfer = new CountingTeacher(ChamferTeacher.For(Corpus));
        var first = await TeacherScoreCache.LoadOrScoreAsync(path, Corpus, pairs, [chamfer]);
        chamfer.Calls.Should().Be(pairs.Count);

        var again = new CountingTeacher(ChamferTeacher.For(Corpus));
        var symmetric = new CountingTeacher(Symmetric());
        var merged = await TeacherScoreCache.LoadOrScoreAsync(path, Corpus, pairs, [again, symmetric]);
        again.Calls.Should().Be(0);
        symmetric.Calls.Should().Be(pairs.Count);
        merged.TeacherNames.Should().Equal("chamfer", "symmetric-chamfer");
        merged.GetScores("chamfer").ToArray().Should().Equal(first.GetScores(0).ToArray());
        (await TeacherScoreCache.LoadAsync(path, Corpus)).TeacherNames.Should().HaveCount(2);

        var fewerPairs = pairs.Take(5).ToArray();
        var rescored = await TeacherScoreCache.LoadOrScoreAsync(path, Corpus, fewerPairs, [again]);
        again.Calls.Should().Be(5);
        rescored.Pairs.Should().Equal(fewerPairs);
    }

    [Fact]
    public async Task Duplicate_teacher_names_and_pairs_outside_the_corpus_are_rejected()
    {
        var chamfer = ChamferTeacher.For(Corpus);
        await FluentActions.Awaiting(() => TeacherScoreCache.ScoreAsync(Corpus, [new SampledPair(0, 1, PairKind.Positive)], [chamfer, chamfer]))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*two teachers are named 'chamfer'*");
        await FluentActions.Awaiting(() => TeacherScoreCache.ScoreAsync(Corpus, [new SampledPair(0, 99, PairKind.Positive)], [chamfer]))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*outside the 18 videos*");
    }
}
