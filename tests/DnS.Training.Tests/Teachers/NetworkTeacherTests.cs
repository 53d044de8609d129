using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Teachers;

public sealed class NetworkTeacherTests
{
    // The golden networks take 9×512 regions.
    private static readonly GroupedCorpus Corpus = new(groups: 2, membersPerGroup: 2, regions: 9, dims: 512, seed: 4);

    public static TheoryData<string> Weights => ["visil_teacher.weights.safetensors", "fg_att_student.weights.safetensors", "fg_bin_student.weights.safetensors"];

    [Theory]
    [MemberData(nameof(Weights))]
    public void Scores_equal_the_DnS_Core_network_and_stay_equal_through_the_cache(string file)
    {
        string path = SharedData.Golden(file);
        using var source = TensorSources.Open(path);
        Func<int, int, float> direct; // indexes both videos every call, as a reference
        NetworkTeacher teacher, uncached, tiny;
        if (file.StartsWith("visil", StringComparison.Ordinal))
        {
            var network = ViSiLTeacher.Load(source);
            direct = (q, t) => network.Similarity(network.IndexVideo(Corpus.GetFeatures(q).Span), network.IndexVideo(Corpus.GetFeatures(t).Span));
            teacher = NetworkTeacher.LoadViSiL("visil", path);
            uncached = new NetworkTeacher("visil", network, cacheBytes: 0);
            tiny = new NetworkTeacher("visil", network, cacheBytes: 6 * 9 * 512 * 4 * 2); // two videos at most: evicts constantly
        }
        else
        {
            var network = FineGrainedStudent.Load(source);
            direct = (q, t) => network.Similarity(network.IndexVideo(Corpus.GetFeatures(q).Span), network.IndexVideo(Corpus.GetFeatures(t).Span));
            teacher = NetworkTeacher.LoadStudent("student", path);
            uncached = new NetworkTeacher("student", network, cacheBytes: 0);
            tiny = new NetworkTeacher("student", network, cacheBytes: 6 * 9 * 512 * 4 * 2);
        }

        var expected = new float[Corpus.Count, Corpus.Count];
        for (int q = 0; q < Corpus.Count; q++)
            for (int t = 0; t < Corpus.Count; t++)
            {
                expected[q, t] = direct(q, t);
                uncached.Score(Corpus, q, t).Should().Be(expected[q, t]);
            }
        // Twice: the second round is served from the cache (the tiny one keeps evicting and re-indexing).
        for (int round = 0; round < 2; round++)
            for (int q = 0; q < Corpus.Count; q++)
                for (int t = 0; t < Corpus.Count; t++)
                {
                    teacher.Score(Corpus, q, t).Should().Be(expected[q, t]);
                    tiny.Score(Corpus, q, t).Should().Be(expected[q, t]);
                }
    }

    [Fact]
    public void A_corpus_of_another_size_is_rejected_with_both_shapes()
    {
        var teacher = NetworkTeacher.LoadStudent("att", SharedData.Golden("fg_att_student.weights.safetensors"));
        var small = new GroupedCorpus(groups: 1, membersPerGroup: 2, regions: 9, dims: 16);
        FluentActions.Invoking(() => teacher.Score(small, 0, 1)).Should().Throw<ArgumentException>().WithMessage("*'att' expects 9×512*corpus has 9×16*");
        var chamfer = new ChamferTeacher(4, 16);
        FluentActions.Invoking(() => chamfer.Score(Corpus, 0, 1)).Should().Throw<ArgumentException>().WithMessage("*expects 4×16*9×512*");
    }

    [Fact]
    public void Chamfer_teacher_is_the_built_in_fine_model()
    {
        var builtIn = DnsModels.BuiltIn(9, 512).Fine;
        var chamfer = ChamferTeacher.For(Corpus);
        chamfer.Name.Should().Be("chamfer");
        for (int q = 0; q < Corpus.Count; q++)
            for (int t = 0; t < Corpus.Count; t++)
                chamfer.Score(Corpus, q, t).Should().Be(builtIn.Similarity(builtIn.IndexVideo(Corpus.GetFeatures(q).Span), builtIn.IndexVideo(Corpus.GetFeatures(t).Span)));
    }
}
