using DnS.Training.Losses;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DnS.Training.Tests.SelfSupervised;

[Collection(TorchCollection.Name)]
public sealed class ContrastiveLossTests(TorchFixture torchFixture)
{
    private readonly TorchFixture _torch = torchFixture;

    private static readonly float[,] Similarities =
    {
        { 1.0f, 0.8f, 0.1f, 0.3f },
        { 0.7f, 1.0f, 0.2f, 0.0f },
        { 0.2f, 0.4f, 0.9f, 0.6f },
        { 0.1f, 0.3f, 0.5f, 1.0f },
    };

    private static readonly int[] Groups = [0, 0, 1, 1];

    private static Tensor Matrix() => tensor(Similarities);

    [Fact]
    public void InfoNce_matches_its_definition()
    {
        using var scope = NewDisposeScope();
        const double tau = 0.5;
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            // One positive per row (the other member of the pair); negatives are the other pair.
            int positive = i ^ 1;
            double pos = Math.Exp(Similarities[i, positive] / tau), negatives = 0;
            for (int k = 0; k < 4; k++)
                if (Groups[k] != Groups[i]) negatives += Math.Exp(Similarities[i, k] / tau);
            expected += -Math.Log(pos / (pos + negatives)) / 4;
        }
        using var loss = new InfoNceLoss(tau);
        loss.forward(Matrix(), BatchLabels.Matches(Groups)).item<float>().Should().BeApproximately((float)expected, 1e-6f);
    }

    [Fact]
    public void InfoNce_stays_exact_where_exponentials_under_and_overflow()
    {
        using var scope = NewDisposeScope();
        // Negated scores put every positive below its negatives; at τ = 0.01 e^(s/τ) reaches e^−100, which is 0 in float.
        const double tau = 0.01;
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double logPositive = -Similarities[i, i ^ 1] / tau, logNegatives = double.NegativeInfinity;
            for (int k = 0; k < 4; k++)
                if (Groups[k] != Groups[i]) logNegatives = LogAddExp(logNegatives, -Similarities[i, k] / tau);
            expected += (LogAddExp(logPositive, logNegatives) - logPositive) / 4;
        }
        using var loss = new InfoNceLoss(tau);
        var matches = BatchLabels.Matches(Groups);
        float value = loss.forward(Matrix().neg(), matches).item<float>();
        value.Should().BeApproximately((float)expected, (float)(1e-5 * expected));
        float raised = loss.forward(Matrix().neg() + 0.3f * BatchLabels.Positives(matches).to_type(ScalarType.Float32), matches).item<float>();
        raised.Should().BeLessThan(value);
    }

    private static double LogAddExp(double a, double b)
    {
        double max = Math.Max(a, b);
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    [Fact]
    public void Hard_negative_loss_matches_its_definition()
    {
        using var scope = NewDisposeScope();
        // Hardest negatives per row 0.3, 0.2, 0.4, 0.3; diagonal 1, 1, 0.9, 1.
        double expected = -(Math.Log(0.7) + Math.Log(0.8) + Math.Log(0.6) + Math.Log(0.7)) / 4 - Math.Log(0.9) / 4;
        using var loss = new HardNegativeLoss();
        loss.forward(Matrix(), BatchLabels.Matches(Groups)).item<float>().Should().BeApproximately((float)expected, 1e-6f);
    }

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        using var scope = NewDisposeScope();
        using var loss = new InfoNceLoss();
        var act = () => loss.forward(Matrix(), BatchLabels.Matches([0, 0, 1]));
        act.Should().Throw<ArgumentException>().WithMessage("*[4, 4]*[3, 3]*");
    }
}
