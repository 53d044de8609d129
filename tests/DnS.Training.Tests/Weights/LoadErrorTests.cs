using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Weights;

/// <summary>Loading refuses wrong shapes, missing and unexpected tensors with messages naming the source, tensor and shapes.</summary>
[Collection(TorchCollection.Name)]
public sealed class LoadErrorTests(TorchFixture torchFixture)
{
    [Fact]
    public void Wrong_shape_names_the_tensor_and_both_shapes()
    {
        using var student = new FineGrainedStudentModule(FineGrainedVariant.Attention, dims: 256);
        var act = () => student.LoadWeights(torchFixture.Golden("fg_att_student.weights.safetensors"));
        var error = act.Should().Throw<WeightsFormatException>().Which;
        error.TensorName.Should().StartWith("attention.");
        error.Message.Should().Contain("fg_att_student.weights.safetensors").And.Contain("[512").And.Contain("expected [256");
    }

    [Fact]
    public void Unexpected_tensors_are_refused_when_strict()
    {
        using var student = new FineGrainedStudentModule(FineGrainedVariant.ParameterFree);
        var act = () => student.LoadWeights(torchFixture.Golden("fg_att_student.weights.safetensors"));
        act.Should().Throw<WeightsFormatException>().WithMessage("*unexpected tensors*attention.context_vector.weight*");
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var student = new FineGrainedStudentModule(FineGrainedVariant.Binary);
        var act = () => student.LoadWeights(torchFixture.Golden("fg_att_student.weights.safetensors"), strict: false);
        act.Should().Throw<WeightsFormatException>().Which.TensorName.Should().Be("binarization.W");
    }

    [Fact]
    public void Missing_batch_counter_is_tolerated_like_older_checkpoints()
    {
        var golden = torchFixture.Golden("selector.weights.safetensors");
        var source = new TensorCollection("selector without counters");
        foreach (var (name, info) in golden.Tensors)
            if (info.DType == TensorDType.F32) source.Add(name, golden.ReadFloats(name), info.Shape);
        using var selector = new SelectorNetworkModule();
        selector.LoadWeights(source);
        selector.state_dict()["mlp.model.1.running_var"].data<float>().ToArray().Should().Equal(golden.ReadFloats("mlp.model.1.running_var"));
    }
}
