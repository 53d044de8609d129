using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Weights;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_golden_state_dict_with_pytorch_names_and_shapes()
    {
        using var file = SafeTensorsFile.Open(SharedData.Golden("selector.weights.safetensors"));
        file.Tensors.Should().ContainKey("mlp.model.1.running_var");
        file.GetInfo("mlp.model.0.weight").Shape.Should().Equal(100, 3);
        file.GetInfo("mlp.model.1.num_batches_tracked").DType.Should().Be(TensorDType.I64);
        file.GetInfo("mlp.model.1.num_batches_tracked").Shape.Should().BeEmpty();
        var w = file.ReadFloats("mlp.model.0.weight", 100, 3);
        w.Should().HaveCount(300).And.OnlyContain(x => float.IsFinite(x));
        file.GetFloatSpan("mlp.model.0.weight").ToArray().Should().Equal(w);
    }

    [Fact]
    public async Task Round_trips_floats_ints_and_metadata()
    {
        string path = Path.Combine(_dir, "rt.safetensors");
        float[] a = [1f, -2.5f, float.NaN, 3e-8f, 7f, 8f];
        await new SafeTensorsWriter().Add("a.weight", a, 2, 3).Add("n", [42L]).SetMetadata("format", "dns").WriteAsync(path);

        using var file = SafeTensorsFile.Open(path);
        file.GetFloatSpan("a.weight").ToArray().Should().Equal(a, "the bytes round-trip, NaN included");
        ((Action)(() => file.ReadFloats("a.weight", 2, 3))).Should().Throw<WeightsFormatException>()
            .WithMessage("*'a.weight' holds NaN at element 2*", "weights are read only when finite");
        file.ReadInt64("n").Should().Equal(42L);
        file.Metadata["format"].Should().Be("dns");
        Directory.GetFiles(_dir).Should().ContainSingle("the temporary file is renamed away");
    }

    [Fact]
    public async Task Shape_mismatch_names_tensor_and_both_shapes()
    {
        string path = Path.Combine(_dir, "s.safetensors");
        await new SafeTensorsWriter().Add("attention.transform.weight", new float[6], 2, 3).WriteAsync(path);
        using var file = SafeTensorsFile.Open(path);

        var act = () => file.ReadFloats("attention.transform.weight", 3, 2);
        act.Should().Throw<WeightsFormatException>()
            .Where(e => e.TensorName == "attention.transform.weight")
            .WithMessage("*[2, 3]*[3, 2]*");
        var missing = () => file.ReadFloats("attention.context_vector.weight");
        missing.Should().Throw<WeightsFormatException>().WithMessage("*missing tensor 'attention.context_vector.weight'*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(100)]
    public async Task Truncated_file_gives_clear_error(int keepBytes)
    {
        string good = Path.Combine(_dir, "good.safetensors");
        await new SafeTensorsWriter().Add("x", new float[64], 8, 8).WriteAsync(good);
        string bad = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(bad, File.ReadAllBytes(good)[..keepBytes]);

        var act = () => SafeTensorsFile.Open(bad);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == bad);
    }

    [Theory]
    [InlineData(ulong.MaxValue, "{}", 0, "*header length 18446744073709551615 exceeds the file*")]
    [InlineData(1UL << 40, "{}", 0, "*header length 1099511627776 exceeds the file*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,4000]}}""", 16, "*'w' has data_offsets ?0, 4000? outside the data block of 16 bytes*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}}""", 16, "*outside the data block*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}""", 16, "*outside the data block*")]
    [InlineData(null, """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, "*'a' (bytes 0..16) and 'b' (bytes 8..16) overlap*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", 16, "*'w' of shape ?3? and dtype F32 does not match its 16 data bytes*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,0]}}""", 16, "*'w' has a malformed header entry*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[10000000000],"data_offsets":[0,16]}}""", 16, "*'w' has a malformed header entry*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""", 16, "*does not match*")]
    [InlineData(null, """{"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,16]}}""", 16, "*unsupported dtype 'Q9'*")]
    [InlineData(null, """{"w":{"shape":[4],"data_offsets":[0,16]}}""", 16, "*'w' has a malformed header entry*")]
    [InlineData(null, """{"w":[1,2,3]}""", 16, "*'w' has a malformed header entry*")]
    [InlineData(null, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 16, "*'w' is listed twice*")]
    [InlineData(null, """{"__metadata__":"x"}""", 0, "*__metadata__ is a JSON String*")]
    [InlineData(null, """[1, 2]""", 0, "*not a JSON object*")]
    [InlineData(null, """{"w": """, 0, "*not valid JSON*")]
    [InlineData(null, "", 0, "*not valid JSON*")]
    public void Hostile_header_is_refused_naming_the_file(ulong? headerLength, string json, int dataBytes, string message)
    {
        string path = Path.Combine(_dir, "hostile.safetensors");
        byte[] header = System.Text.Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(headerLength ?? (ulong)header.Length), .. header, .. new byte[dataBytes]]);

        var act = () => SafeTensorsFile.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == path).WithMessage(path + ": " + message);
    }

    [Fact]
    public void Non_safetensors_file_gives_clear_error()
    {
        string path = Path.Combine(_dir, "junk.bin");
        File.WriteAllBytes(path, [16, 0, 0, 0, 0, 0, 0, 0, .. "not json at all!"u8.ToArray()]);
        var act = () => SafeTensorsFile.Open(path);
        act.Should().Throw<WeightsFormatException>().WithMessage("*not valid JSON*");
    }
}
