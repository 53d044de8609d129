using DnS.Training.Distillation;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Tests.Distillation;

[Collection(TorchCollection.Name)]
public sealed class ItqTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(32)]
    [InlineData(16)]
    public void Rotation_updates_lower_the_quantization_error_and_keep_an_orthonormal_projection(int bits)
    {
        _ = torchFixture;
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        // Anisotropic, correlated vectors: ITQ has structure to find.
        var vectors = F.normalize(torch.randn(2000, 32).matmul(torch.randn(32, 32)) * torch.linspace(0.2, 2, 32), 2, -1);
        var itq = Itq.Fit(vectors, bits, iterations: 50, seed: 3);
        var errors = itq.QuantizationErrors;
        errors.Should().HaveCount(51);
        for (int i = 1; i < errors.Count; i++) errors[i].Should().BeLessThanOrEqualTo(errors[i - 1] + 1e-9, $"iteration {i}");
        // The error is bits + ‖v‖² − 2‖V·R‖₁ per vector, so the constant `bits` dominates it; the rotation still gains.
        errors[^1].Should().BeLessThan(errors[0] - 0.1, "the rotation beats the random start");
        output.WriteLine($"bits {bits}: quantization error {errors[0]:F4} (random rotation) → {errors[^1]:F4} after 50 iterations");

        var w = torch.tensor(itq.Projection, [32, bits]);
        Tolerance.Check(w.t().matmul(w), torch.eye(bits), 1e-5, 0, "WᵀW = I");
    }

    [Fact]
    public void More_bits_than_dims_are_refused()
        => FluentActions.Invoking(() => Itq.Fit(torch.randn(10, 8), 9)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1..D = 8*");
}
