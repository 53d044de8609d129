using DnS.Core.Networks;
using DnS.Core.Weights;
using DnS.Training.Modules;
using DnS.Training.Weights;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Inference = DnS.Core.Networks;

namespace DnS.Training.Tests.Weights;

/// <summary>
/// Export → DnS.Core load gives the TorchSharp forward's results, and golden weights give the same results in
/// TorchSharp and in DnS.Core. Exports use freshly initialized modules, so nothing depends on the golden weights.
/// Every export is loaded through a source that records what DnS.Core reads: the network must read every exported
/// key (batch-norm update counters aside), so the modules and the loaders spell the state-dict names alike.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ExportRoundTripTests(TorchFixture torchFixture, ITestOutputHelper output) : IDisposable
{
    private const string Videos = "videos.safetensors";
    private static readonly (string Query, string Target)[] Pairs = [("v3", "v4"), ("v4", "v3"), ("v1", "v2"), ("v2", "v0"), ("v0", "v1")];
    private readonly string _folder = Directory.CreateTempSubdirectory("dns-training-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private float[] Video(string v) => torchFixture.Floats(Videos, v);

    private Tensor VideoTensor(string v) => torchFixture.Tensor(Videos, v).unsqueeze(0);

    private string Export(nn.Module module, string name)
    {
        string path = Path.Combine(_folder, name + ".safetensors");
        module.ExportSafeTensorsAsync(path).GetAwaiter().GetResult();
        return path;
    }

    [Theory]
    [InlineData(FineGrainedVariant.Attention)]
    [InlineData(FineGrainedVariant.Binary)]
    [InlineData(FineGrainedVariant.ParameterFree)]
    public void Exported_fine_student_gives_the_torch_similarities_in_DnS_Core(FineGrainedVariant variant)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(101);
        using var student = new FineGrainedStudentModule(variant);
        student.eval();
        using var source = SafeTensorsFile.Open(Export(student, "fine-" + variant));
        var core = LoadReadingEveryKey(source, s => Inference.FineGrainedStudent.Load(s));
        core.Variant.Should().Be(variant);
        CompareFine(student, core, $"export {variant}");
    }

    [Theory]
    [InlineData("fg_att_student", FineGrainedVariant.Attention)]
    [InlineData("fg_bin_student", FineGrainedVariant.Binary)]
    public void Golden_fine_weights_give_the_same_similarities_in_torch_and_DnS_Core(string model, FineGrainedVariant variant)
    {
        using var scope = NewDisposeScope();
        using var student = new FineGrainedStudentModule(variant);
        var golden = torchFixture.Golden(model + ".weights.safetensors");
        student.LoadWeights(golden);
        student.eval();
        CompareFine(student, Inference.FineGrainedStudent.Load(golden), "golden " + model);
    }

    private void CompareFine(FineGrainedStudentModule student, Inference.FineGrainedStudent core, string what)
    {
        double worst = 0;
        using var noGrad = no_grad();
        foreach (var (query, target) in Pairs)
        {
            float expected = student.forward(VideoTensor(query), VideoTensor(target)).item<float>();
            float actual = core.Similarity(core.IndexVideo(Video(query)), core.IndexVideo(Video(target)));
            worst = Math.Max(worst, Math.Abs(actual - expected));
            actual.Should().BeApproximately(expected, 1e-5f, $"{what} {query}→{target}");
        }
        output.WriteLine($"{what}: DnS.Core vs TorchSharp similarity worst |err| {worst:E2}");
    }

    [Fact]
    public void Exported_coarse_student_gives_the_torch_vectors_in_DnS_Core()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(102);
        using var student = new CoarseGrainedStudentModule(512, 8, 256, 1, 8, 64);
        student.eval();
        using var source = SafeTensorsFile.Open(Export(student, "coarse"));
        CompareCoarse(student, LoadReadingEveryKey(source, s => Inference.CoarseGrainedStudent.Load(s)), "export");
        var golden = torchFixture.Golden("cg_student.weights.safetensors");
        student.LoadWeights(golden);
        CompareCoarse(student, Inference.CoarseGrainedStudent.Load(golden), "golden cg_student");
    }

    private void CompareCoarse(CoarseGrainedStudentModule student, Inference.CoarseGrainedStudent core, string what)
    {
        double worst = 0;
        using var noGrad = no_grad();
        foreach (string v in new[] { "v0", "v2", "v3" })
            worst = Math.Max(worst, Tolerance.Check(core.IndexVideo(Video(v)), Tolerance.ToArray(student.forward(VideoTensor(v), null)[0]), 1e-5, 0, $"{what} {v}"));
        output.WriteLine($"{what} coarse: DnS.Core vs TorchSharp index worst |err| {worst:E2}");
    }

    [Fact]
    public void Exported_selector_keeps_batchnorm_statistics_and_scores_alike_in_DnS_Core()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(103);
        using var selector = new SelectorNetworkModule();
        // Two training-mode batches move the running statistics away from (0, 1) and count num_batches_tracked.
        selector.train();
        using (no_grad())
            for (int i = 0; i < 2; i++) selector.forward(torch.randn(64, 3) * 0.5 + 0.3);
        selector.eval();
        string path = Export(selector, "selector");
        using var source = SafeTensorsFile.Open(path);
        source.Tensors["mlp.model.1.num_batches_tracked"].DType.Should().Be(TensorDType.I64);
        source.ReadInt64("mlp.model.5.num_batches_tracked").Should().Equal(2L);
        source.Tensors.Keys.Should().BeEquivalentTo(torchFixture.Golden("selector.weights.safetensors").Tensors.Keys);
        CompareSelector(selector, LoadReadingEveryKey(source, s => Inference.SelectorNetwork.Load(s)), "export");
        var golden = torchFixture.Golden("selector.weights.safetensors");
        selector.LoadWeights(golden);
        selector.eval();
        CompareSelector(selector, Inference.SelectorNetwork.Load(golden), "golden selector");
    }

    private void CompareSelector(SelectorNetworkModule selector, Inference.SelectorNetwork core, string what)
    {
        using var noGrad = no_grad();
        var triples = torchFixture.Tensor("selector.outputs.safetensors", "triples");
        float[] expected = Tolerance.ToArray(selector.forward(triples));
        float[] t = Tolerance.ToArray(triples);
        var actual = new float[expected.Length];
        for (int i = 0; i < actual.Length; i++) actual[i] = core.Score(t[3 * i], t[3 * i + 1], t[3 * i + 2]);
        double worstScore = Tolerance.Check(actual, expected, 1e-5, 0, what + " scores");
        double worstIndex = 0;
        foreach (string v in new[] { "v0", "v2", "v3" })
        {
            float index = selector.IndexVideo(VideoTensor(v)).item<float>();
            worstIndex = Math.Max(worstIndex, Math.Abs(core.IndexVideo(Video(v)) - index));
            core.IndexVideo(Video(v)).Should().BeApproximately(index, 1e-5f, $"{what} index {v}");
        }
        output.WriteLine($"{what}: DnS.Core vs TorchSharp scores worst |err| {worstScore:E2}, index {worstIndex:E2}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exported_teacher_gives_the_torch_similarities_in_DnS_Core(bool symmetric)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(104);
        using var teacher = new ViSiLTeacherModule(512, symmetric: symmetric);
        teacher.eval();
        var config = new ViSiLTeacherConfig { Symmetric = symmetric };
        using var source = SafeTensorsFile.Open(Export(teacher, "teacher"));
        CompareTeacher(teacher, LoadReadingEveryKey(source, s => Inference.ViSiLTeacher.Load(s, config)), "export teacher");
        var golden = torchFixture.Golden("visil_teacher.weights.safetensors");
        teacher.LoadWeights(golden);
        CompareTeacher(teacher, Inference.ViSiLTeacher.Load(golden, config), "golden teacher");
    }

    private void CompareTeacher(ViSiLTeacherModule teacher, Inference.ViSiLTeacher core, string what)
    {
        double worst = 0;
        using var noGrad = no_grad();
        foreach (var (query, target) in Pairs)
        {
            float expected = teacher.forward(VideoTensor(query), VideoTensor(target)).item<float>();
            float actual = core.Similarity(core.IndexVideo(Video(query)), core.IndexVideo(Video(target)));
            worst = Math.Max(worst, Math.Abs(actual - expected));
            actual.Should().BeApproximately(expected, 1e-5f, $"{what} {query}→{target}");
        }
        output.WriteLine($"{what} (symmetric {teacher.Symmetric}): DnS.Core vs TorchSharp similarity worst |err| {worst:E2}");
    }

    [Theory]
    [InlineData("fg_att_student")]
    [InlineData("selector")]
    [InlineData("cg_student")]
    public void Golden_weights_export_back_unchanged(string model)
    {
        using var scope = NewDisposeScope();
        var golden = torchFixture.Golden(model + ".weights.safetensors");
        using nn.Module module = model switch
        {
            "fg_att_student" => new FineGrainedStudentModule(FineGrainedVariant.Attention),
            "selector" => new SelectorNetworkModule(),
            _ => new CoarseGrainedStudentModule(512, 8, 256, 1, 8, 64),
        };
        module.LoadWeights(golden);
        using var exported = SafeTensorsFile.Open(Export(module, model));
        exported.Tensors.Keys.Should().BeEquivalentTo(golden.Tensors.Keys);
        foreach (var (name, info) in golden.Tensors)
        {
            exported.Tensors[name].DType.Should().Be(info.DType, name);
            exported.Tensors[name].Shape.Should().Equal(info.Shape, name);
            exported.GetBytes(name).SequenceEqual(golden.GetBytes(name)).Should().BeTrue(name);
        }
    }

    private static T LoadReadingEveryKey<T>(ITensorSource source, Func<ITensorSource, T> load)
    {
        var recording = new KeyRecordingSource(source);
        var network = load(recording);
        string[] trainingOnly = [.. source.Tensors.Keys.Where(k => k.EndsWith(".num_batches_tracked", StringComparison.Ordinal))];
        recording.Read.Should().BeEquivalentTo(source.Tensors.Keys.Except(trainingOnly),
            "DnS.Core must read every key the TorchSharp module exports, and only those");
        return network;
    }

    // Forwards to the exported file and records every tensor the loader reads.
    private sealed class KeyRecordingSource(ITensorSource inner) : ITensorSource
    {
        public HashSet<string> Read { get; } = [];

        public string SourceName => inner.SourceName;

        public IReadOnlyDictionary<string, TensorInfo> Tensors => inner.Tensors;

        public ReadOnlySpan<byte> GetBytes(string name)
        {
            Read.Add(name);
            return inner.GetBytes(name);
        }

        public void Dispose()
        {
        }
    }
}
