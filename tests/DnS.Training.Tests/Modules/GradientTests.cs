using DnS.Core.Networks;
using DnS.Training.Modules;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Tests.Modules;

/// <summary>Backward works through attention, the einsum Chamfer, the comparator and hardtanh: Adam reduces an L1 distillation loss.</summary>
[Collection(TorchCollection.Name)]
public sealed class GradientTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    private const int Steps = 40;
    // Adam's default. Much larger rates can push every comparator output past hardtanh's ±1, where the gradient is 0
    // (the reason the reference adds a similarity regularization loss on the raw comparator output).
    private const double LearningRate = 1e-3;

    private static Tensor RandomVideos(long batch, long frames, long dims) => F.normalize(torch.randn(batch, frames, 9, dims), 2, -1);

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.Binary)]
    public void Adam_steps_reduce_the_fine_student_L1_loss(FineGrainedVariant variant)
    {
        _ = torchFixture;
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        using var student = new FineGrainedStudentModule(variant, dims: 32, bits: 32);
        student.train();
        // Pairs 0 and 1 are near-copies (the first 6 query frames plus noise), pairs 2 and 3 unrelated videos, so the
        // teacher's scores are learnable from the content rather than by one constant.
        var queries = RandomVideos(4, 8, 32);
        var copies = F.normalize(queries.narrow(0, 0, 2).narrow(1, 0, 6) + torch.randn(2, 6, 9, 32) * 0.05, 2, -1);
        var targets = torch.cat([copies, RandomVideos(2, 6, 32)], 0);
        var teacher = torch.tensor(new[] { 0.9f, 0.8f, -0.2f, -0.1f });
        using var optimizer = torch.optim.Adam(student.parameters(), LearningRate);
        float first = 0, last = 0;
        for (int step = 0; step < Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var predicted = student.forward(queries, targets);
            var loss = F.l1_loss(predicted, teacher);
            loss.backward();
            if (step == 0)
            {
                foreach (var (name, p) in student.named_parameters())
                {
                    p.grad.Should().NotBeNull(name);
                    // Weights only: with these targets the L1 signs cancel exactly in fconv.bias's gradient.
                    if (name.EndsWith("weight", StringComparison.Ordinal) || name == "binarization.W")
                        p.grad!.abs().sum().item<float>().Should().BeGreaterThan(0f, $"{name} gets a gradient");
                }
                first = loss.item<float>();
            }
            optimizer.step();
            last = loss.item<float>();
        }
        output.WriteLine($"{variant}: L1 loss {first:F4} → {last:F4} after {Steps} Adam steps");
        last.Should().BeLessThan(first * 0.7f);
    }

    [Fact]
    public void Adam_steps_reduce_the_coarse_student_L1_loss()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        using var student = new CoarseGrainedStudentModule(32, 4, 16, 1, 4, 8);
        student.train();
        var queries = RandomVideos(4, 6, 32);
        var targets = RandomVideos(4, 7, 32);
        var teacher = torch.tensor(new[] { 0.9f, 0.2f, -0.4f, 0.6f });
        using var optimizer = torch.optim.Adam(student.parameters(), LearningRate);
        float first = 0, last = 0;
        for (int step = 0; step < Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var similarity = (student.forward(queries, null) * student.forward(targets, null)).sum([1]);
            var loss = F.l1_loss(similarity, teacher);
            loss.backward();
            if (step == 0) first = loss.item<float>();
            optimizer.step();
            last = loss.item<float>();
        }
        output.WriteLine($"coarse: L1 loss {first:F4} → {last:F4} after {Steps} Adam steps");
        last.Should().BeLessThan(first * 0.7f);
    }
}
