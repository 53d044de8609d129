using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DnS.Training.Tests.Modules;

/// <summary>Eval-mode parity of the coarse student module with the reference's golden outputs (both configurations).</summary>
[Collection(TorchCollection.Name)]
public sealed class CoarseGrainedStudentGoldenTests(TorchFixture torchFixture, ITestOutputHelper output)
{
    public static TheoryData<string, string, int, int, int, int, int, int, string> Cases => new()
    {
        // case, inputs, dims, heads, ff, layers, clusters, outdims, videos
        { "cg_student", "videos.safetensors", 512, 8, 256, 1, 8, 64, "v0,v1,v2,v3,v4" },
        { "cg_student_d64", "videos_d64.safetensors", 64, 4, 32, 2, 4, 16, "s0,s1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_the_reference_stage_by_stage(string model, string inputs, int dims, int heads, int ff, int layers, int clusters, int outDims, string videoList)
    {
        using var scope = NewDisposeScope();
        using var student = new CoarseGrainedStudentModule(dims, heads, ff, layers, clusters, outDims);
        student.state_dict().Keys.Should().BeEquivalentTo(torchFixture.Golden(model + ".weights.safetensors").Tensors.Keys);
        student.LoadWeights(torchFixture.Golden(model + ".weights.safetensors"));
        student.eval();
        string outputs = model + ".outputs.safetensors";
        string[] videos = videoList.Split(',');
        double worstFrames = 0, worstTransformer = 0, worstIndex = 0;
        var indexed = new List<Tensor>();
        using var noGrad = no_grad();
        foreach (string v in videos)
        {
            var x = torchFixture.Tensor(inputs, v).unsqueeze(0);
            var frames = student.Frames(x);
            worstFrames = Math.Max(worstFrames, Tolerance.Check(frames[0], torchFixture.Tensor(outputs, "frames." + v), 1e-6, 0, v));
            // Each stage is fed the golden output of the previous one.
            var encoded = student.Encode(torchFixture.Tensor(outputs, "frames." + v).unsqueeze(0), null);
            worstTransformer = Math.Max(worstTransformer, Tolerance.Check(encoded[0], torchFixture.Tensor(outputs, "transformer." + v), 1e-4, 1e-4, v));
            var index = student.forward(x, null);
            worstIndex = Math.Max(worstIndex, Tolerance.Check(index[0], torchFixture.Tensor(outputs, "index." + v), 1e-5, 0, v));
            indexed.Add(index);
        }
        var all = cat(indexed, 0);
        double worstSimilarity = Tolerance.Check(CoarseGrainedStudentModule.Similarity(all, all), torchFixture.Tensor(outputs, "similarity_matrix"), 1e-5, 0, "similarity_matrix");
        output.WriteLine($"{model}: worst |err| frames {worstFrames:E2}, transformer {worstTransformer:E2}, index {worstIndex:E2}, similarity {worstSimilarity:E2}");
    }

    [Fact]
    public void Masked_padded_batch_equals_the_reference_batched_index()
    {
        using var scope = NewDisposeScope();
        using var student = new CoarseGrainedStudentModule(512, 8, 256, 1, 8, 64);
        student.LoadWeights(torchFixture.Golden("cg_student.weights.safetensors"));
        student.eval();
        const string outputs = "cg_student.outputs.safetensors";
        var mask = torchFixture.Tensor(outputs, "batched.mask");
        long frames = mask.shape[1];
        var padded = new List<Tensor>();
        foreach (string v in new[] { "v0", "v1", "v2", "v3", "v4" })
        {
            var x = torchFixture.Tensor("videos.safetensors", v);
            padded.Add(nn.functional.pad(x, [0, 0, 0, 0, 0, frames - x.shape[0]]).unsqueeze(0));
        }
        using var noGrad = no_grad();
        var index = student.forward(cat(padded, 0), mask.gt(0.5));
        double worst = Tolerance.Check(index, torchFixture.Tensor(outputs, "batched.index"), 1e-5, 0, "batched.index");
        output.WriteLine($"cg_student batched.index (padded, masked): worst |err| {worst:E2}");
    }
}
