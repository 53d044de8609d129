using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Weights;

public sealed class PyTorchCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-pth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("fg_att_student.pth", "fg_att_student.weights.safetensors")]
    [InlineData("fg_att_student.legacy.pth", "fg_att_student.weights.safetensors")]
    [InlineData("selector.pth", "selector.weights.safetensors")]
    [InlineData("selector.legacy.pth", "selector.weights.safetensors")]
    public void Golden_checkpoint_gives_bitwise_the_safetensors_tensors(string checkpoint, string safetensors)
    {
        using var pth = PyTorchCheckpoint.Open(SharedData.Golden(Path.Combine("checkpoints", checkpoint)));
        using var reference = SafeTensorsFile.Open(SharedData.Golden(safetensors));

        pth.StateDictKey.Should().Be("model");
        pth.Tensors.Keys.Should().BeEquivalentTo(reference.Tensors.Keys, "the optimizer state and args are not part of the state dict");
        foreach (var (name, info) in reference.Tensors)
        {
            var got = pth.Tensors[name];
            got.DType.Should().Be(info.DType, name);
            got.Shape.Should().Equal(info.Shape, name);
            pth.GetBytes(name).SequenceEqual(reference.GetBytes(name)).Should().BeTrue($"tensor {name} must be bitwise equal");
        }
    }

    [Fact]
    public void Unknown_globals_stay_inert_and_strided_views_are_materialised()
    {
        // A hand-made checkpoint: 'args' calls posix.system (must not run), 'model' holds a transposed view
        // (shape [3,2], strides [1,3]) and an offset slice of the same storage.
        var p = new PickleBytes();
        p.Op(0x80, 2).Op('}').Op('(');
        p.Str("args").Global("posix", "system").Op('(').Str("touch " + Path.Combine(_dir, "pwned")).Op('t').Op('R');
        p.Str("model").Global("collections", "OrderedDict").Op(')').Op('R').Op('(');
        p.Str("t").Tensor("0", 6, offset: 0, shape: [3, 2], strides: [1, 3]);
        p.Str("s").Tensor("0", 6, offset: 4, shape: [2], strides: [1]);
        p.Op('u').Op('u').Op('.');
        string path = WriteZip("crafted", p.ToArray(), ("0", [0f, 1, 2, 3, 4, 5]));

        using var pth = PyTorchCheckpoint.Open(path);
        pth.ReadFloats("t", 3, 2).Should().Equal(0f, 3, 1, 4, 2, 5);
        pth.ReadFloats("s", 2).Should().Equal(4f, 5);
        File.Exists(Path.Combine(_dir, "pwned")).Should().BeFalse();
    }

    [Fact]
    public void Tensor_past_the_end_of_its_storage_is_rejected_naming_it()
    {
        var p = new PickleBytes();
        p.Op(0x80, 2).Op('}').Op('(').Str("w").Tensor("0", 4, offset: 2, shape: [2, 2], strides: [2, 1]).Op('u').Op('.');
        string path = WriteZip("bad", p.ToArray(), ("0", [1f, 2, 3, 4]));

        var act = () => PyTorchCheckpoint.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.TensorName == "w").WithMessage("*exceeds its storage*");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(3000)]
    [InlineData(3_000_000)]
    public void Truncated_legacy_checkpoint_gives_clear_error(int keepBytes)
    {
        string path = Path.Combine(_dir, "cut.pth");
        File.WriteAllBytes(path, File.ReadAllBytes(SharedData.Golden("checkpoints/selector.legacy.pth"))[..keepBytes]);
        var act = () => PyTorchCheckpoint.Open(path);
        act.Should().Throw<WeightsFormatException>().WithMessage("*truncated*");
    }

    [Fact]
    public void Safetensors_file_is_not_mistaken_for_a_checkpoint()
    {
        var act = () => PyTorchCheckpoint.Open(SharedData.Golden("selector.weights.safetensors"));
        act.Should().Throw<WeightsFormatException>().WithMessage("*not a PyTorch checkpoint*");
    }

    private string WriteZip(string name, byte[] pickle, params (string Key, float[] Data)[] storages)
    {
        string path = Path.Combine(_dir, name + ".pth");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry(name + "/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle);
        foreach (var (key, data) in storages)
            using (var s = zip.CreateEntry(name + "/data/" + key, CompressionLevel.NoCompression).Open()) s.Write(MemoryMarshal.AsBytes(data.AsSpan()));
        return path;
    }

    /// <summary>Assembles protocol-2 pickle opcodes the way torch.save writes a state dict.</summary>
    private sealed class PickleBytes
    {
        private readonly MemoryStream _s = new();

        public PickleBytes Op(char op) { _s.WriteByte((byte)op); return this; }

        public PickleBytes Op(byte op, byte arg) { _s.WriteByte(op); _s.WriteByte(arg); return this; }

        public PickleBytes Str(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            _s.WriteByte((byte)'X');
            _s.Write(BitConverter.GetBytes(b.Length));
            _s.Write(b);
            return this;
        }

        public PickleBytes Int(int v) { _s.WriteByte((byte)'J'); _s.Write(BitConverter.GetBytes(v)); return this; }

        public PickleBytes Global(string module, string name)
        {
            _s.WriteByte((byte)'c');
            _s.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
            return this;
        }

        public PickleBytes Ints(int[] values)
        {
            Op('(');
            foreach (int v in values) Int(v);
            return Op('t');
        }

        public PickleBytes Tensor(string key, int numel, int offset, int[] shape, int[] strides)
        {
            Global("torch._utils", "_rebuild_tensor_v2").Op('(');
            Op('(').Str("storage").Global("torch", "FloatStorage").Str(key).Str("cpu").Int(numel).Op('t').Op('Q');
            Int(offset).Ints(shape).Ints(strides);
            _s.WriteByte(0x89);
            Global("collections", "OrderedDict").Op(')').Op('R');
            return Op('t').Op('R');
        }

        public byte[] ToArray() => _s.ToArray();
    }
}
