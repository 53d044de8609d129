using DnS.Training.Modules;
using DnS.Training.SelfSupervised;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.SelfSupervised;

[Collection(TorchCollection.Name)]
public sealed class ClipSimilarityMatrixTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private readonly TorchFixture _torch = torchFixture;

    [Theory]
    [InlineData(true, true, false)]
    [InlineData(true, true, true)]
    [InlineData(false, false, false)]
    public void Every_entry_is_the_teacher_pair_similarity(bool attention, bool comparator, bool symmetric)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(17);
        using var teacher = new ViSiLTeacherModule(16, attention, comparator, symmetric);
        // Lengths below, at and above the comparator's 4 frames, and two clips of the same length (one shape group).
        int[] lengths = [1, 3, 5, 6, 5];
        var clips = lengths.Select(t => nn.functional.normalize(randn(t, 4, 16), dim: 2)).ToList();
        using var noGrad = no_grad();
        var matrix = ClipSimilarityMatrix.Compute(teacher, clips);
        matrix.shape.Should().Equal(lengths.Length, lengths.Length);
        double worst = 0;
        for (int q = 0; q < clips.Count; q++)
            for (int t = 0; t < clips.Count; t++)
            {
                float expected = teacher.forward(clips[q].unsqueeze(0), clips[t].unsqueeze(0)).item<float>();
                float actual = matrix[q, t].item<float>();
                worst = Math.Max(worst, Math.Abs(actual - expected));
                actual.Should().BeApproximately(expected, 1e-5f, $"pair {q}→{t}");
            }
        output.WriteLine($"attention {attention}, comparator {comparator}, symmetric {symmetric}: worst |err| {worst:E2}");
    }

    [Fact]
    public void Clips_of_different_region_layouts_are_refused()
    {
        using var scope = NewDisposeScope();
        using var teacher = new ViSiLTeacherModule(16);
        var act = () => ClipSimilarityMatrix.Compute(teacher, [randn(4, 4, 16), randn(4, 9, 16)]);
        act.Should().Throw<ArgumentException>().WithMessage("*clip 1 has shape [4, 9, 16], expected [T, 4, 16]*");
    }
}
