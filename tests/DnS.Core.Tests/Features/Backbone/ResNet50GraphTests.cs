using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Backbone.Onnx;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features.Backbone;

public sealed class ResNet50GraphTests
{
    [Fact]
    public void Has_torchvision_resnet50_parameter_count_with_batchnorm_folded()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(ResNet50Graph.Create(seed: 1, withClassifier: true));

        long parameters = model.Graph.Initializer.Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
        long convolutions = model.Graph.Node.Count(n => n.OpType == "Conv");

        // torchvision resnet50: 25,557,032 parameters, of which 2×26,560 are BatchNorm scale/shift;
        // folding turns each BN into one conv bias, so 25,557,032 − 26,560 remain.
        parameters.Should().Be(25_530_472);
        convolutions.Should().Be(53, "stem + 16 bottlenecks × 3 + 4 downsample shortcuts");
    }

    [Fact]
    public void Runs_224_frames_into_the_four_resnet_stage_shapes_with_finite_values()
    {
        using var backbone = OnnxBackbone.FromBytes(ResNet50Graph.Create(seed: 1), "resnet50-random");
        float[] pixels = new float[2 * 3 * 224 * 224];
        new WeightRandom(3).Fill(pixels, 2f);

        IReadOnlyList<StageMap> stages = backbone.Run(new FrameBatch(pixels, 2, 224, 224, 0));

        stages.Select(s => (s.Count, s.Channels, s.Height, s.Width)).Should()
            .Equal((2, 256, 56, 56), (2, 512, 28, 28), (2, 1024, 14, 14), (2, 2048, 7, 7));
        foreach (StageMap stage in stages)
        {
            float[] values = stage.Data.ToArray();
            values.Should().OnlyContain(v => float.IsFinite(v) && v >= 0f, "stages end in a ReLU");
            values.Max().Should().BeGreaterThan(0f).And.BeLessThan(1e4f, "the damped residuals keep activations bounded");
        }
    }

    [Fact]
    public void Classifier_form_exposes_the_same_stage_maps_through_fused_residual_adds()
    {
        // The stage tensors are Relu(Add(conv, shortcut)), a pattern ONNX Runtime fuses into one
        // node; exposing them as outputs must still give the values form (a) computes.
        using var formA = OnnxBackbone.FromBytes(ResNet50Graph.Create(seed: 4), "resnet50-stages");
        using var formB = OnnxBackbone.FromBytes(ResNet50Graph.Create(seed: 4, withClassifier: true), "resnet50-classifier",
            new OnnxBackboneOptions { StageOutputNames = ResNet50Graph.StageNames });
        float[] pixels = new float[3 * 64 * 64];
        new WeightRandom(9).Fill(pixels, 2f);
        var batch = new FrameBatch(pixels, 1, 64, 64, 0);

        float[][] a = formA.Run(batch).Select(s => s.Data.ToArray()).ToArray();
        IReadOnlyList<StageMap> b = formB.Run(batch);

        b.Select(s => (s.Channels, s.Height, s.Width)).Should().Equal((256, 16, 16), (512, 8, 8), (1024, 4, 4), (2048, 2, 2));
        for (int s = 0; s < 4; s++)
            b[s].Data.ToArray().Should().Equal(a[s], "stage {0} of the same weights", s + 1);
    }
}
