using System.Text.Json;
using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Networks;

public sealed class NetworkLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-net-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Copies a golden weights file, replacing or dropping one tensor.
    private string Altered(string golden, string tensor, float[]? data, params int[] shape)
    {
        using var source = SafeTensorsFile.Open(SharedData.Golden(golden));
        var writer = new SafeTensorsWriter();
        foreach (var (name, info) in source.Tensors)
        {
            if (name == tensor)
            {
                if (data is not null) writer.Add(name, data, shape);
                continue;
            }
            writer.AddRaw(name, info.DType, info.Shape, source.GetBytes(name));
        }
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        writer.WriteAsync(path).GetAwaiter().GetResult();
        return path;
    }

    [Fact]
    public void Mis_shaped_comparator_tensor_names_the_tensor_and_both_shapes()
    {
        using var source = SafeTensorsFile.Open(Altered("fg_att_student.weights.safetensors", "visil_head.conv2.weight", new float[64 * 16 * 9], 64, 16, 3, 3));
        var act = () => FineGrainedStudent.Load(source);
        act.Should().Throw<WeightsFormatException>()
            .Where(e => e.TensorName == "visil_head.conv2.weight")
            .WithMessage("*[64, 16, 3, 3]*[64, 32, 3, 3]*");
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var source = SafeTensorsFile.Open(Altered("selector.weights.safetensors", "mlp.model.5.running_var", null));
        var act = () => SelectorNetwork.Load(source);
        act.Should().Throw<WeightsFormatException>().WithMessage("*missing tensor 'mlp.model.5.running_var'*");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Non_finite_weight_is_refused_at_load_naming_the_file_and_tensor(float bad, string shown)
    {
        float[] variance;
        using (var golden = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"))) variance = golden.ReadFloats("mlp.model.5.running_var");
        variance[7] = bad;
        string path = Altered("selector.weights.safetensors", "mlp.model.5.running_var", variance, variance.Length);
        using var source = SafeTensorsFile.Open(path);

        var act = () => SelectorNetwork.Load(source);
        act.Should().Throw<WeightsFormatException>()
            .Where(e => e.FilePath == path && e.TensorName == "mlp.model.5.running_var")
            .WithMessage($"{path}: tensor 'mlp.model.5.running_var' holds {shown} at element 7: weights must be finite");
    }

    [Fact]
    public async Task F64_weight_beyond_the_float_range_is_refused()
    {
        string path = Path.Combine(_dir, "wide.safetensors");
        await new SafeTensorsWriter().AddRaw("w", TensorDType.F64, [2], [.. BitConverter.GetBytes(0.5), .. BitConverter.GetBytes(1e300)]).WriteAsync(path);
        using var source = SafeTensorsFile.Open(path);
        var act = () => source.ReadFloats("w", 2);
        act.Should().Throw<WeightsFormatException>().WithMessage("*'w' holds Infinity at element 1 (as F32, from F64)*");
    }

    [Theory]
    [InlineData("coarseWeights", "/etc/passwd")]
    [InlineData("fineWeights", "../x.safetensors")]
    [InlineData("selectorWeights", "sub/../../x.safetensors")]
    [InlineData("coarseWeights", "..")]
    public void Weights_paths_outside_the_model_folder_are_refused_naming_the_config(string field, string path)
    {
        var json = new System.Text.Json.Nodes.JsonObject { [field] = path };
        string configPath = Path.Combine(_dir, DnsModels.ConfigFileName);
        File.WriteAllText(configPath, json.ToJsonString());

        var act = () => DnsModels.Load(_dir);
        act.Should().Throw<JsonException>()
            .WithMessage($"{configPath}: {field} '{path}' is outside the model folder {_dir}{Path.DirectorySeparatorChar}; weights paths must be relative names inside it");
    }

    [Theory]
    [InlineData("""{"coarseWeights": null}""", "*coarseWeights is missing or empty*")]
    [InlineData("""{"fineWeights": ""}""", "*fineWeights is missing or empty*")]
    public void Missing_weights_paths_are_refused_naming_the_config(string json, string message)
    {
        File.WriteAllText(Path.Combine(_dir, DnsModels.ConfigFileName), json);
        var act = () => DnsModels.ReadConfig(_dir);
        act.Should().Throw<JsonException>().WithMessage(message).WithMessage($"*{DnsModels.ConfigFileName}*");
    }

    [Fact]
    public void Configured_variant_must_match_the_weights()
    {
        using var source = SafeTensorsFile.Open(SharedData.Golden("fg_bin_student.weights.safetensors"));
        var act = () => FineGrainedStudent.Load(source, new FineGrainedStudentConfig { Variant = FineGrainedVariant.Attention });
        act.Should().Throw<WeightsFormatException>().WithMessage("*configured as a Attention*Binary*");
    }

    [Fact]
    public void Tensor_sources_open_checkpoints_and_safetensors_by_content()
    {
        using (var pth = TensorSources.Open(SharedData.Golden("checkpoints/selector.legacy.pth"))) pth.Should().BeOfType<PyTorchCheckpoint>();
        using (var zip = TensorSources.Open(SharedData.Golden("checkpoints/selector.pth"))) zip.Should().BeOfType<PyTorchCheckpoint>();
        using (var st = TensorSources.Open(SharedData.Golden("selector.weights.safetensors"))) st.Should().BeOfType<SafeTensorsFile>();
    }

    [Fact]
    public void Model_set_loads_from_a_config_file_mixing_checkpoints_and_safetensors()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "checkpoints"));
        foreach (var name in (string[])["cg_student.weights.safetensors", "checkpoints/fg_att_student.pth", "checkpoints/selector.legacy.pth"])
            File.Copy(SharedData.Golden(name), Path.Combine(_dir, name));
        var config = new DnsModelsConfig
        {
            CoarseWeights = "cg_student.weights.safetensors",
            Coarse = new CoarseGrainedStudentConfig { TransformerHeads = 8 },
            FineWeights = "checkpoints/fg_att_student.pth",
            Fine = new FineGrainedStudentConfig { Variant = FineGrainedVariant.Attention },
            SelectorWeights = "./checkpoints/../checkpoints/selector.legacy.pth",
        };
        File.WriteAllText(Path.Combine(_dir, DnsModels.ConfigFileName), JsonSerializer.Serialize(config, DnsModels.JsonOptions));

        var models = DnsModels.Load(_dir);
        models.Coarse.OutputDims.Should().Be(64);
        models.Fine.Variant.Should().Be(FineGrainedVariant.Attention);
        models.Selector!.HiddenSize.Should().Be(100);

        // The .pth student gives the golden similarity, like its safetensors twin.
        var outputs = "fg_att_student.outputs.safetensors";
        var q = FineFeatures.FromValues(GoldenComparison.Read(outputs, "index.v3"), 9, 512);
        var t = FineFeatures.FromValues(GoldenComparison.Read(outputs, "index.v4"), 9, 512);
        models.Fine.Similarity(q, t).Should().BeApproximately(GoldenComparison.Read(outputs, "pair0.similarity")[0], 1e-5f);
    }
}
