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
    public void Unknown_globals_stay_inert_and_strided_views_are_materialized()
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

    [Theory]
    [InlineData('J')]
    [InlineData('I')]
    [InlineData('L')]
    [InlineData('\x8a')]
    public void Integers_in_every_legal_encoding_load(char encoding)
    {
        // Python's unpickler accepts INT (protocol 0 text), LONG text and LONG1 wherever an int may stand; a checkpoint
        // that spells its sizes and offsets that way is legal and must load like the BININT one torch.save writes.
        var p = new PickleBytes { IntEncoding = encoding };
        p.Op(0x80, 2).Op('}').Op('(').Str("w").Tensor("0", 6, offset: 1, shape: [2, 2], strides: [2, 1]).Op('u').Op('.');
        string path = WriteZip("ints", p.ToArray(), ("0", [0f, 1, 2, 3, 4, 5]));

        using var pth = PyTorchCheckpoint.Open(path);
        pth.ReadFloats("w", 2, 2).Should().Equal(1f, 2, 3, 4);
    }

    [Fact]
    public void Protocol_0_pickle_from_python_reads_integers_as_longs()
    {
        // pickle.dumps({'a': 3000000000, 'b': [1, 2], 'c': True}, protocol=0) in CPython 3: INT, LONG, PUT and GET as text.
        byte[] pickle = "(dp0\nVa\np1\nL3000000000L\nsVb\np2\n(lp3\nI1\naI2\nasVc\np4\nI01\ns."u8.ToArray();
        var (value, end, _) = PickleReader.Read("p0.pkl", pickle);

        end.Should().Be(pickle.Length);
        var dict = value.Should().BeOfType<Dictionary<object, object?>>().Subject;
        dict["a"].Should().BeOfType<long>().Which.Should().Be(3_000_000_000L);
        dict["b"].Should().BeOfType<List<object?>>().Which.Should().Equal(1L, 2L);
        dict["c"].Should().Be(true);
    }

    [Fact]
    public void Long1_wider_than_64_bits_stays_a_big_integer_and_narrow_ones_are_longs()
    {
        // pickle.dumps([3000000000, -5, 2**70], protocol=2): LONG1, BININT, LONG1 (9 bytes).
        byte[] pickle = [0x80, 2, (byte)']', (byte)'q', 0, (byte)'(', 0x8a, 5, 0x00, 0x5e, 0xd0, 0xb2, 0x00, (byte)'J', 0xfb, 0xff, 0xff, 0xff,
            0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, (byte)'e', (byte)'.'];
        var (value, _, _) = PickleReader.Read("long1.pkl", pickle);
        var list = value.Should().BeOfType<List<object?>>().Subject;
        list[0].Should().BeOfType<long>().Which.Should().Be(3_000_000_000L);
        list[1].Should().BeOfType<long>().Which.Should().Be(-5L);
        list[2].Should().BeOfType<System.Numerics.BigInteger>().Which.Should().Be(System.Numerics.BigInteger.Pow(2, 70));
    }

    [Theory]
    [InlineData((byte)'X', 4)]   // BINUNICODE
    [InlineData((byte)'T', 4)]   // BINSTRING
    [InlineData((byte)'B', 4)]   // BINBYTES
    [InlineData((byte)0x8b, 4)]  // LONG4
    [InlineData((byte)0x8d, 8)]  // BINUNICODE8
    [InlineData((byte)0x8e, 8)]  // BINBYTES8
    [InlineData((byte)0x96, 8)]  // BYTEARRAY8
    public void A_length_past_the_end_is_refused_naming_the_file(byte opcode, int lengthBytes)
    {
        // 15 bytes: PROTO 2, the opcode, an all-ones length (4 GiB or 16 EiB), then filler. Before the check the 4-byte
        // forms threw OverflowException and a 2 GiB-range length would have been allocated.
        var bytes = new List<byte> { 0x80, 2, opcode };
        bytes.AddRange(Enumerable.Repeat((byte)0xff, lengthBytes));
        while (bytes.Count < 15) bytes.Add((byte)'a');
        string path = Path.Combine(_dir, $"len-{opcode:x2}.pth");
        File.WriteAllBytes(path, bytes.ToArray());

        var act = () => TensorSources.Open(path);
        var e = act.Should().Throw<WeightsFormatException>().Which;
        e.FilePath.Should().Be(path);
        string length = lengthBytes == 4 ? uint.MaxValue.ToString() : ulong.MaxValue.ToString();
        e.Message.Should().StartWith(path).And.Contain($"a length of {length} bytes runs past the end of the data ({15 - 3 - lengthBytes} bytes left)");
    }

    [Fact]
    public void Deep_nesting_neither_overflows_the_stack_nor_runs_forever()
    {
        // 100 000 nested lists (EMPTY_LIST ×N then APPEND ×(N−1)) and 100 000 open MARKs: the reader keeps its own stack.
        const int depth = 100_000;
        var nested = new PickleBytes().Op(0x80, 2);
        for (int i = 0; i < depth; i++) nested.Op(']');
        for (int i = 1; i < depth; i++) nested.Op('a');
        nested.Op('.');
        var (value, _, _) = PickleReader.Read("nested.pkl", nested.ToArray());
        int levels = 0;
        for (var v = value; v is List<object?> { Count: > 0 } l; v = l[0]) levels++;
        levels.Should().Be(depth - 1);

        var marks = new PickleBytes().Op(0x80, 2);
        for (int i = 0; i < depth; i++) marks.Op('(');
        string path = Path.Combine(_dir, "marks.pth");
        File.WriteAllBytes(path, marks.ToArray());
        var act = () => TensorSources.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == path).WithMessage("*unexpected end of data*");
    }

    [Theory]
    [InlineData("builtins", "eval", 'R')]
    [InlineData("os", "system", 'R')]
    [InlineData("subprocess", "Popen", (char)0x81)]   // NEWOBJ
    [InlineData("builtins", "exec", (char)0x93)]       // STACK_GLOBAL then REDUCE
    public void Unknown_globals_never_run(string module, string name, char how)
    {
        string marker = Path.Combine(_dir, "ran-" + name);
        var p = new PickleBytes();
        p.Op(0x80, 4).Op('}').Op('(').Str("x");
        if (how == (char)0x93) p.Str(module).Str(name).Raw(0x93);
        else p.Global(module, name);
        p.Op('(').Str($"open('{marker}', 'w')").Op('t');
        p.Raw(how == (char)0x81 ? (byte)0x81 : (byte)'R');
        p.Str("w").Tensor("0", 1, offset: 0, shape: [1], strides: [1]).Op('u').Op('.');
        string path = WriteZip("evil", p.ToArray(), ("0", [7f]));

        using var pth = PyTorchCheckpoint.Open(path);
        pth.ReadFloats("w", 1).Should().Equal(7f);
        pth.Tensors.Keys.Should().Equal("w");
        File.Exists(marker).Should().BeFalse();
    }

    [Theory]
    [InlineData((byte)'i', "0x69")]   // INST: instantiates a class by name
    [InlineData((byte)'o', "0x6f")]   // OBJ
    [InlineData((byte)0x82, "0x82")]  // EXT1: the copyreg extension registry
    public void Opcodes_that_would_call_code_by_name_are_refused(byte opcode, string shown)
    {
        string path = Path.Combine(_dir, "op.pth");
        File.WriteAllBytes(path, [0x80, 2, (byte)'(', opcode, (byte)'o', (byte)'s', (byte)'\n', (byte)'s', (byte)'\n', (byte)'.']);
        var act = () => TensorSources.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == path).WithMessage($"*unsupported pickle opcode {shown}*");
    }

    [Theory]
    [InlineData(3_000_000_000L, 1, "*size 3000000000 is out of range*")]
    [InlineData(2, 1L << 62, "*overflow*")]
    [InlineData(2, -1, "*negative storage offset or stride*")]
    public void Crafted_sizes_and_strides_are_refused_naming_the_tensor(long size, long stride, string message)
    {
        var p = new PickleBytes { IntEncoding = '\x8a' };
        p.Op(0x80, 2).Op('}').Op('(').Str("w");
        p.Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        p.Op('(').Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Int(4).Op('t').Op('Q');
        p.Int(0).Op('(').Long1(size).Long1(size).Op('t').Op('(').Long1(stride).Long1(1).Op('t').Raw(0x89);
        p.Global("collections", "OrderedDict").Op(')').Op('R').Op('t').Op('R').Op('u').Op('.');
        string path = WriteZip("sizes", p.ToArray(), ("0", [1f, 2, 3, 4]));

        var act = () => PyTorchCheckpoint.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == path).WithMessage(message);
    }

    [Fact]
    public void Zip_entry_claiming_more_bytes_than_it_can_hold_is_refused()
    {
        var p = new PickleBytes();
        p.Op(0x80, 2).Op('}').Op('(').Str("w").Tensor("0", 1, offset: 0, shape: [1], strides: [1]).Op('u').Op('.');
        string path = WriteZip("bomb", p.ToArray(), ("0", [1f]));
        // Patch the storage entry's uncompressed size (central directory and local header) to 1 GiB.
        byte[] zip = File.ReadAllBytes(path);
        byte[] name = Encoding.ASCII.GetBytes("bomb/data/0");
        int patched = 0;
        for (int i = 0; i + 4 <= zip.Length; i++)
        {
            uint sig = BitConverter.ToUInt32(zip, i);
            int sizeAt = sig == 0x04034b50 ? i + 22 : sig == 0x02014b50 ? i + 24 : -1;
            int nameAt = sig == 0x04034b50 ? i + 30 : i + 46;
            if (sizeAt < 0 || nameAt + name.Length > zip.Length || !zip.AsSpan(nameAt, name.Length).SequenceEqual(name)) continue;
            BitConverter.GetBytes(1u << 30).CopyTo(zip, sizeAt);
            patched++;
        }
        patched.Should().Be(2);
        File.WriteAllBytes(path, zip);

        var act = () => PyTorchCheckpoint.Open(path);
        act.Should().Throw<WeightsFormatException>().Where(e => e.FilePath == path).WithMessage("*claims 1073741824 bytes from 4 compressed bytes*");
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

        /// <summary>How <see cref="Int"/> encodes integers: BININT (what torch.save writes), protocol 0's INT/LONG text, or LONG1.</summary>
        public char IntEncoding { get; init; } = 'J';

        public PickleBytes Int(int v)
        {
            switch (IntEncoding)
            {
                case 'I': _s.Write(Encoding.ASCII.GetBytes($"I{v}\n")); break;
                case 'L': _s.Write(Encoding.ASCII.GetBytes($"L{v}L\n")); break;
                case '\x8a': return Long1(v);
                default: _s.WriteByte((byte)'J'); _s.Write(BitConverter.GetBytes(v)); break;
            }
            return this;
        }

        public PickleBytes Raw(params byte[] bytes) { _s.Write(bytes); return this; }

        public PickleBytes Long1(long v)
        {
            var bytes = new System.Numerics.BigInteger(v).ToByteArray();
            _s.WriteByte(0x8a);
            _s.WriteByte((byte)bytes.Length);
            _s.Write(bytes);
            return this;
        }

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
