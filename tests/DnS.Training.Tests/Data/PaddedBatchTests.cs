using DnS.Training.Data;
using DnS.Training.Tests.Distillation;
using FluentAssertions;
using Xunit;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Data;

[Collection(TorchCollection.Name)]
public sealed class PaddedBatchTests(TorchFixture torchFixture)
{
    private readonly TestCorpus _corpus = new(dims: 8, seed: 1, sourceFrames: [1, 3, 5, 12]);

    private float[] Frame(int video, int frame) => _corpus.GetFeatures(video).Span.Slice(frame * TestCorpus.R * 8, TestCorpus.R * 8).ToArray();

    private static float[] Frame(Tensor features, int b, int frame) => Tolerance.ToArray(features[b, frame]);

    [Fact]
    public void Short_videos_are_tiled_and_the_batch_is_padded_to_the_longest()
    {
        _ = torchFixture;
        using var scope = NewDisposeScope();
        using var batch = PaddedBatch.Build(_corpus, [0, 1, 2], maxFrames: 64);
        batch.Frames.Should().Equal(4, 6, 5);
        batch.Features.shape.Should().Equal(3, 6, TestCorpus.R, 8);
        Tolerance.ToArray(batch.Valid.to_type(ScalarType.Float32)).Should().Equal(
            1, 1, 1, 1, 0, 0,
            1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 0);
        for (int k = 0; k < 4; k++) Frame(batch.Features, 0, k).Should().Equal(Frame(0, 0), "1 frame tiles to 4 copies");
        for (int k = 0; k < 6; k++) Frame(batch.Features, 1, k).Should().Equal(Frame(1, k % 3), "tiled frame k is frame k mod 3");
        Frame(batch.Features, 0, 5).Should().OnlyContain(v => v == 0f, "padding is zero");
        Frame(batch.Features, 2, 4).Should().Equal(Frame(2, 4));
    }

    [Fact]
    public void The_frame_cap_keeps_the_first_frames_at_evaluation_and_a_seeded_window_in_training()
    {
        using var scope = NewDisposeScope();
        using (var eval = PaddedBatch.Build(_corpus, [3], maxFrames: 8))
        {
            eval.Features.shape[1].Should().Be(8);
            for (int k = 0; k < 8; k++) Frame(eval.Features, 0, k).Should().Equal(Frame(3, k));
        }
        var starts = new HashSet<int>();
        for (int seed = 0; seed < 12; seed++)
        {
            using var train = PaddedBatch.Build(_corpus, [3], maxFrames: 8, new Random(seed));
            using var again = PaddedBatch.Build(_corpus, [3], maxFrames: 8, new Random(seed));
            Tolerance.ToArray(train.Features).Should().Equal(Tolerance.ToArray(again.Features), "the same seed crops the same window");
            var first = Frame(train.Features, 0, 0);
            int start = Enumerable.Range(0, 5).Single(s => Frame(3, s).SequenceEqual(first));
            for (int k = 0; k < 8; k++) Frame(train.Features, 0, k).Should().Equal(Frame(3, start + k), "the window is contiguous");
            starts.Add(start);
        }
        starts.Count.Should().BeGreaterThan(1, "the windows move with the seed");
    }

    [Fact]
    public void Bad_input_is_refused_with_the_offending_value()
    {
        FluentActions.Invoking(() => PaddedBatch.Build(_corpus, [99], 64)).Should().Throw<ArgumentException>().WithMessage("*99*");
        FluentActions.Invoking(() => PaddedBatch.Build(_corpus, [0], 3)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => PaddedBatch.Build(_corpus, Array.Empty<int>(), 64)).Should().Throw<ArgumentException>();
    }
}
