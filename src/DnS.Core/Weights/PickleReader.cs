using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace DnS.Core.Weights;

/// <summary>
/// A pickle *reader* (not an unpickler): it interprets the opcodes of protocols 0–5 as a data description and
/// never imports or calls anything. Only the globals PyTorch state dicts need are given meaning — tensor
/// rebuilding, storage types and <c>collections.OrderedDict</c>; every other global (e.g. <c>argparse.Namespace</c>
/// in a checkpoint's <c>args</c>) becomes an inert <see cref="OpaqueObject"/> that holds its arguments as data.
/// </summary>
internal sealed class PickleReader
{
    /// <summary>A global referenced by the pickle (<c>module.name</c>); never resolved to code.</summary>
    internal sealed record Global(string Module, string Name)
    {
        public string FullName => Module + "." + Name;
    }

    /// <summary>The inert result of calling or instantiating a non-allow-listed global.</summary>
    internal sealed record OpaqueObject(Global Type, object?[] Arguments)
    {
        public object? State { get; set; }
    }

    /// <summary>A storage referenced by a persistent id: its key, element type and element count.</summary>
    internal sealed record StorageRef(string Key, TensorDType DType, long ElementCount, long ViewOffset);

    /// <summary>A tensor rebuilt by <c>torch._utils._rebuild_tensor_v2</c> (described, not materialized).</summary>
    internal sealed record TensorRef(StorageRef Storage, long StorageOffset, int[] Shape, long[] Strides);

    private static readonly Dictionary<string, TensorDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = TensorDType.F32,
        ["torch.DoubleStorage"] = TensorDType.F64,
        ["torch.HalfStorage"] = TensorDType.F16,
        ["torch.BFloat16Storage"] = TensorDType.BF16,
        ["torch.LongStorage"] = TensorDType.I64,
        ["torch.IntStorage"] = TensorDType.I32,
        ["torch.ShortStorage"] = TensorDType.I16,
        ["torch.CharStorage"] = TensorDType.I8,
        ["torch.ByteStorage"] = TensorDType.U8,
        ["torch.BoolStorage"] = TensorDType.Bool,
    };

    private static readonly object Mark = new();

    private readonly string _source;
    private readonly byte[] _data;
    private int _pos;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, TensorDType> _storages = new(StringComparer.Ordinal);

    private PickleReader(string source, byte[] data, int start)
    {
        _source = source;
        _data = data;
        _pos = start;
    }

    /// <summary>
    /// Reads one pickle starting at <paramref name="start"/>; returns its value, the offset after STOP, and the
    /// element type of every storage key it references (the legacy format needs them to size the raw storages).
    /// </summary>
    public static (object? Value, int End, IReadOnlyDictionary<string, TensorDType> Storages) Read(string source, byte[] data, int start = 0)
    {
        var reader = new PickleReader(source, data, start);
        object? value = reader.Run();
        return (value, reader._pos, reader._storages);
    }

    private WeightsFormatException Error(string message) => new(_source, $"pickle offset {_pos}: {message}");

    private object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Error("unexpected end of data (truncated checkpoint?)");
            byte op = _data[_pos++];
            switch (op)
            {
                case 0x80: Take(1); break;                                  // PROTO
                case 0x95: Take(8); break;                                  // FRAME (a size hint only)
                case (byte)'.':                                             // STOP
                    if (_stack.Count != 1) throw Error($"STOP with {_stack.Count} values on the stack");
                    return _stack[0];
                case (byte)'(': _marks.Add(_stack.Count); _stack.Add(Mark); break;
                case (byte)'0': Pop(); break;                               // POP
                case (byte)'1': PopMark(); break;                           // POP_MARK
                case (byte)'2': Push(Peek()); break;                        // DUP

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)Take(1)[0]); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: Push(ReadLong(Take(Take(1)[0]))); break;         // LONG1
                case 0x8b: Push(ReadLong(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case (byte)'I': Push(ParseIntLine(ReadLine())); break;       // INT (also True/False as 01/00)
                case (byte)'L': Push(ParseIntLine(ReadLine().TrimEnd('L'))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'F': Push(ParseFloatLine(ReadLine())); break;

                case (byte)'X': Push(Utf8(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
                case 0x8c: Push(Utf8(Take(1)[0])); break;                   // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))); break;
                case (byte)'V': Push(ReadLine()); break;                     // UNICODE (raw-unicode-escape; ASCII in practice)
                case (byte)'T': Push(Latin1(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
                case (byte)'U': Push(Latin1(Take(1)[0])); break;
                case (byte)'S': Push(ReadLine().Trim('\'', '"')); break;
                case (byte)'B': Push(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case (byte)'C': Push(Take(Take(1)[0]).ToArray()); break;
                case 0x8e: Push(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray()); break;
                case 0x96: Push(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray()); break; // BYTEARRAY8

                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'t': Push(PopMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark()); break;                      // LIST
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; }
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; }
                case (byte)'}': Push(new Dictionary<object, object?>()); break;
                case (byte)'d': { var items = PopMark(); var d = new Dictionary<object, object?>(); AddPairs(d, items); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek())[Key(k)] = v; break; }
                case (byte)'u': { var items = PopMark(); AddPairs(AsDict(Peek()), items); break; }
                case 0x8f: Push(new List<object?>()); break;                // EMPTY_SET (kept as a list)
                case 0x90: { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // ADDITEMS
                case 0x91: Push(PopMark()); break;                           // FROZENSET

                case (byte)'p': _memo[ParseIntLine(ReadLine()) is long p ? p : throw Error("bad PUT index")] = Peek(); break;
                case (byte)'q': _memo[Take(1)[0]] = Peek(); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;               // MEMOIZE
                case (byte)'g': Push(MemoGet(ParseIntLine(ReadLine()) is long g ? g : throw Error("bad GET index"))); break;
                case (byte)'h': Push(MemoGet(Take(1)[0])); break;
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;

                case (byte)'c': { string module = ReadLine(); string name = ReadLine(); Push(new Global(module, name)); break; }
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(new Global(module ?? throw Error("STACK_GLOBAL module is not a string"), name ?? throw Error("STACK_GLOBAL name is not a string"))); break; }
                case (byte)'R': { var args = Pop() as object?[] ?? throw Error("REDUCE arguments are not a tuple"); Push(Call(Pop(), args)); break; }
                case 0x81: { var args = Pop() as object?[] ?? throw Error("NEWOBJ arguments are not a tuple"); Push(Call(Pop(), args)); break; }
                case 0x92: { Pop(); var args = Pop() as object?[] ?? throw Error("NEWOBJ_EX arguments are not a tuple"); Push(Call(Pop(), args)); break; }
                case (byte)'b': Build(Pop(), Peek()); break;
                case (byte)'Q': Push(PersistentLoad(Pop())); break;
                case (byte)'P': Push(PersistentLoad(ReadLine())); break;

                default:
                    throw Error($"unsupported pickle opcode 0x{op:x2} (not a PyTorch checkpoint, or a newer format)");
            }
        }
    }

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks[^1] == _stack.Count - 1 && ReferenceEquals(_stack[^1], Mark)))
            throw Error("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Error("stack underflow");

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("no MARK on the stack");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m + 1, _stack.Count - m - 1);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    // A length read from the data, checked against the bytes that remain before anything is allocated for it.
    private int Length(ulong length) => length <= (ulong)(_data.Length - _pos)
        ? (int)length
        : throw Error($"a length of {length} bytes runs past the end of the data ({_data.Length - _pos} bytes left): truncated or crafted file");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length - _pos) throw Error("unexpected end of data (truncated checkpoint?)");
        var span = _data.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Error("unterminated text argument");
        string s = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private string Utf8(int length) => Encoding.UTF8.GetString(Take(length));

    private string Latin1(int length) => Encoding.Latin1.GetString(Take(length));

    private static object ReadLong(ReadOnlySpan<byte> bytes) => Narrow(new BigInteger(bytes, isUnsigned: false, isBigEndian: false));

    // An integer that fits is a long, like every other integer opcode gives; only a wider one stays a BigInteger.
    // (A conditional expression would convert the long back to BigInteger, so the two cases are boxed separately.)
    private static object Narrow(BigInteger value)
    {
        if (value >= long.MinValue && value <= long.MaxValue) return (long)value;
        return value;
    }

    // Protocol 0's INT writes True and False as 01 and 00; LONG's text may be wider than 64 bits.
    private object ParseIntLine(string text) => text switch
    {
        "01" => true,
        "00" => false,
        _ => BigInteger.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture, out var value) ? Narrow(value) : throw Error($"'{Shorten(text)}' is not an integer"),
    };

    private double ParseFloatLine(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : throw Error($"'{Shorten(text)}' is not a float");

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private object? MemoGet(long index) => _memo.TryGetValue(index, out var v) ? v : throw Error($"memo key {index} was never stored");

    private List<object?> AsList(object? o) => o as List<object?> ?? throw Error($"append to a {Describe(o)}, expected a list");

    private Dictionary<object, object?> AsDict(object? o) => o as Dictionary<object, object?> ?? throw Error($"set item on a {Describe(o)}, expected a dict");

    private object Key(object? k) => k switch
    {
        null => throw Error("None as a dict key is not supported"),
        object?[] tuple => string.Join(",", tuple.Select(t => t?.ToString())), // tuple keys only occur outside state dicts
        _ => k,
    };

    private void AddPairs(Dictionary<object, object?> dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Error("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) dict[Key(items[i])] = items[i + 1];
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        OpaqueObject op => op.Type.FullName + " object",
        _ => o.GetType().Name,
    };

    // The allow-list: only these callables have meaning; anything else is recorded, never run.
    private object? Call(object? callable, object?[] args)
    {
        if (callable is not Global g) return new OpaqueObject(new Global("?", Describe(callable)), args);
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                return new Dictionary<object, object?>();
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return RebuildTensor(args);
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return args.Length > 0 && args[0] is TensorRef t ? t : throw Error("_rebuild_parameter without a tensor");
            default:
                return new OpaqueObject(g, args);
        }
    }

    private void Build(object? state, object? target)
    {
        switch (target)
        {
            case OpaqueObject o: o.State = state; break;
            case Dictionary<object, object?>: break; // an OrderedDict's attributes (e.g. _metadata) carry no tensors
            default: throw Error($"BUILD on a {Describe(target)}");
        }
    }

    private TensorRef RebuildTensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage)
            throw Error("_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
        long offset = ToLong(args[1]);
        var shape = ToLongs(args[2]).Select(d => d is >= 0 and <= int.MaxValue ? (int)d : throw Error($"tensor size {d} is out of range")).ToArray();
        var strides = ToLongs(args[3]);
        if (strides.Length != shape.Length) throw Error($"tensor has {shape.Length} dims but {strides.Length} strides");
        if (offset < 0 || strides.Any(st => st < 0)) throw Error("tensor has a negative storage offset or stride");
        return new TensorRef(storage, offset, shape, strides);
    }

    private object PersistentLoad(object? pid)
    {
        // ('storage', storage_type, key, location, numel[, view_metadata]) — the zip and the legacy layouts.
        if (pid is not object?[] t || t.Length < 5 || t[0] is not "storage")
            throw Error($"unsupported persistent id {Describe(pid)}");
        if (t[1] is not Global type || !StorageTypes.TryGetValue(type.FullName, out var dtype))
            throw Error($"unsupported storage type {Describe(t[1])}{(t[1] is Global gl ? " " + gl.FullName : "")}");
        string key = t[2]?.ToString() ?? throw Error("storage without a key");
        long numel = ToLong(t[4]);
        long viewOffset = 0;
        if (t.Length > 5 && t[5] is object?[] view && view.Length >= 3)
        {
            // Legacy format: a view into a root storage (view_key, offset, size).
            viewOffset = ToLong(view[1]);
            numel = ToLong(view[2]);
        }
        if (numel < 0 || viewOffset < 0) throw Error($"storage '{key}' has a negative size or offset");
        if (_storages.TryGetValue(key, out var seen) && seen != dtype)
            throw Error($"storage '{key}' is referenced as both {seen} and {dtype}");
        _storages[key] = dtype;
        return new StorageRef(key, dtype, numel, viewOffset);
    }

    private long ToLong(object? o) => o switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw Error($"expected an integer, got {Describe(o)}"),
    };

    private long[] ToLongs(object? o) => o is object?[] t ? t.Select(ToLong).ToArray() : throw Error($"expected a tuple of integers, got {Describe(o)}");
}
