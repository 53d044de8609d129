using DnS.Training.Losses;
using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Losses;

/// <summary>The reference losses on hand-computed values, and the direction of their gradients.</summary>
[Collection(TorchCollection.Name)]
public sealed class LossTests(TorchFixture torchFixture)
{
    [Fact]
    public void Regularization_sums_the_amount_outside_the_range_and_pushes_back_in()
    {
        _ = torchFixture;
        using var scope = NewDisposeScope();
        using var loss = new SimilarityRegularizationLoss();
        var s = tensor(new[] { -1.5f, -1f, 0.3f, 1f, 1.25f, 3f }).requires_grad_();
        var value = loss.forward(s);
        value.item<float>().Should().BeApproximately(0.5f + 0.25f + 2f, 1e-6f);
        value.backward();
        // d/ds: −1 below the range, +1 above it, 0 inside and on the bounds (abs has a zero subgradient at 0, as in PyTorch).
        s.grad!.data<float>().ToArray().Should().Equal(-1f, 0f, 0f, 0f, 1f, 1f);
    }

    [Fact]
    public void Triplet_loss_is_the_mean_hinge_with_margin()
    {
        using var scope = NewDisposeScope();
        using var loss = new TripletLoss(margin: 0.5);
        var positive = tensor(new[] { 0.9f, 0.2f, 0.6f });
        var negative = tensor(new[] { 0.1f, 0.4f, 0.5f });
        // max(0.1 − 0.9 + 0.5, 0) = 0, max(0.4 − 0.2 + 0.5, 0) = 0.7, max(0.5 − 0.6 + 0.5, 0) = 0.4
        loss.forward(positive, negative).item<float>().Should().BeApproximately((0f + 0.7f + 0.4f) / 3, 1e-6f);
    }

    [Fact]
    public void Invalid_range_is_refused()
    {
        var act = () => new SimilarityRegularizationLoss(1, -1);
        act.Should().Throw<ArgumentException>().WithMessage("*min 1 must be below max -1*");
    }
}
