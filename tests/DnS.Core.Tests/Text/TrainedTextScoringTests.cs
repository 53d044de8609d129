using DnS.Core.Text;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Text;

/// <summary>
/// The trained text networks' inference in DnS.Core (<see cref="LearnedFramePooling"/>, <see cref="CrossAttentionScoring"/>)
/// on weights written here, against values worked out by hand, and their refusal of wrong files and inputs.
/// (Trained weights against TorchSharp's forward pass: tests/DnS.Training.Tests/Text.)
/// </summary>
public sealed class TrainedTextScoringTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-text-heads-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Text_learned_pooling_weights_frames_by_the_context_and_adds_the_projection()
    {
        // Frames e₁, e₂; context (ln 3, 0) gives weights (3/4, 1/4), p = (0.75, 0.25); W = 0, b = (0, 0.5) gives
        // (0.75, 0.75), normalized (1/√2, 1/√2).
        var pooling = LearnedFramePooling.Load(Write("pooling", new SafeTensorsWriter()
            .Add("context", [MathF.Log(3), 0], 2)
            .Add("projection.weight", [0f, 0, 0, 0], 2, 2)
            .Add("projection.bias", [0, 0.5f], 2)));
        var pooled = new float[2];
        pooling.Pool([1, 0, 0, 1], pooled);
        pooled[0].Should().BeApproximately(1 / MathF.Sqrt(2), 1e-6f);
        pooled[1].Should().BeApproximately(1 / MathF.Sqrt(2), 1e-6f);
    }

    [Fact]
    public void Text_learned_pooling_with_zero_weights_is_the_mean_pooling()
    {
        const int dims = 5;
        var pooling = LearnedFramePooling.Load(Write("zero", new SafeTensorsWriter()
            .Add("context", new float[dims], dims)
            .Add("projection.weight", new float[dims * dims], dims, dims)
            .Add("projection.bias", new float[dims], dims)));
        float[] frames = [1, 2, 0, -1, 3, 0.5f, -2, 4, 1, 0, 2, 2, 2, 2, 2];
        float[] pooled = new float[dims], mean = new float[dims];
        pooling.Pool(frames, pooled);
        TextVideoScoring.PoolFrames(frames, mean);
        pooled.Should().Equal(mean, (a, b) => Math.Abs(a - b) <= 1e-6f);
    }

    [Fact]
    public void Text_cross_attention_score_matches_the_hand_computed_value()
    {
        // q = e₁, frames e₁, e₂, τ = 1: attention softmax(1, 0) = (e, 1)/(e + 1). A = 0; B q = (0, 2), so the values
        // are ⟨(1, 2), fₜ⟩ = (1, 2) and the score is (e·1 + 1·2)/(e + 1).
        var scoring = CrossAttentionScoring.Load(Write("head", new SafeTensorsWriter()
            .Add("key.weight", [0f, 0, 0, 0], 2, 2)
            .Add("value.weight", [0f, 0, 2, 0], 2, 2)
            .Add("log_temperature", [0f], 1)));
        scoring.Temperature.Should().Be(1);
        float expected = (MathF.E + 2) / (MathF.E + 1);
        scoring.Score([1, 0], [1, 0, 0, 1]).Should().BeApproximately(expected, 1e-6f);

        // Three videos back to back (2, 1 and 2 frames): each equals its own single-video score.
        float[] frames = [1, 0, 0, 1, 0, 1, 0.6f, 0.8f, 1, 0];
        var scores = new float[3];
        scoring.Score([1, 0], frames, [2, 1, 2], scores);
        scores[0].Should().Be(scoring.Score([1, 0], frames.AsSpan(0, 4)));
        scores[1].Should().BeApproximately(2, 1e-6f, "one frame e₂: attention 1, value ⟨(1, 2), e₂⟩ = 2");
        scores[2].Should().Be(scoring.Score([1, 0], frames.AsSpan(6, 4)));
    }

    [Fact]
    public void Text_trained_heads_refuse_wrong_weights_and_inputs_naming_the_file()
    {
        string head = Write("head-for-pooling", new SafeTensorsWriter()
            .Add("key.weight", new float[4], 2, 2).Add("value.weight", new float[4], 2, 2).Add("log_temperature", [0f], 1));
        FluentActions.Invoking(() => LearnedFramePooling.Load(head)).Should().Throw<WeightsFormatException>().WithMessage("*head-for-pooling*");
        string rectangular = Write("rectangular", new SafeTensorsWriter()
            .Add("key.weight", new float[6], 2, 3).Add("value.weight", new float[6], 2, 3).Add("log_temperature", [0f], 1));
        FluentActions.Invoking(() => CrossAttentionScoring.Load(rectangular)).Should().Throw<WeightsFormatException>().WithMessage("*rectangular*square*");
        string wrongBias = Write("wrong-bias", new SafeTensorsWriter()
            .Add("context", new float[2], 2).Add("projection.weight", new float[4], 2, 2).Add("projection.bias", new float[3], 3));
        FluentActions.Invoking(() => LearnedFramePooling.Load(wrongBias)).Should().Throw<WeightsFormatException>().WithMessage("*wrong-bias*");

        var scoring = CrossAttentionScoring.Load(head);
        FluentActions.Invoking(() => scoring.Score([1, 0], [1, 0, 0])).Should().Throw<ArgumentException>().WithMessage("*rows of 2*");
        FluentActions.Invoking(() => scoring.Score([1, 0], [1, 0, 0, 1], [1, 2], new float[2])).Should().Throw<ArgumentException>().WithMessage("*3 frames*");
        FluentActions.Invoking(() => scoring.Score([1, 0], [1, 0], [0, 1], new float[2])).Should().Throw<ArgumentException>().WithMessage("*0 frames*");
        var pooling = LearnedFramePooling.Load(Write("pooling-ok", new SafeTensorsWriter()
            .Add("context", new float[2], 2).Add("projection.weight", new float[4], 2, 2).Add("projection.bias", new float[2], 2)));
        FluentActions.Invoking(() => pooling.Pool([1, 0], new float[3])).Should().Throw<ArgumentException>().WithMessage("*D is 2*");
    }

    private string Write(string name, SafeTensorsWriter writer)
    {
        string path = Path.Combine(_folder, name + ".safetensors");
        writer.WriteAsync(path).GetAwaiter().GetResult();
        return path;
    }
}
