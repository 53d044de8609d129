using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DnS.Core.Tests.Text;

/// <summary>
/// A NumPy .npy file (format 1.0/2.0, little-endian, C order) of float32, int64 or uint8, read into doubles-free
/// typed arrays for golden comparisons. Independent of the library: it parses the header itself.
/// </summary>
internal sealed partial class NpyFile
{
    private NpyFile(string descr, int[] shape, byte[] data)
    {
        Descr = descr;
        Shape = shape;
        Data = data;
    }

    public string Descr { get; }

    public int[] Shape { get; }

    public byte[] Data { get; }

    public int Count => Shape.Aggregate(1, (a, b) => a * b);

    public static NpyFile Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);
        string descr = DescrPattern().Match(header).Groups[1].Value;
        if (FortranPattern().Match(header).Groups[1].Value != "False")
            throw new InvalidDataException($"{path}: Fortran order is not supported");
        int[] shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return new NpyFile(descr, shape, bytes[(headerStart + headerLength)..]);
    }

    public float[] Floats()
    {
        Require("<f4", 4);
        var values = new float[Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i));
        return values;
    }

    public long[] Int64s()
    {
        Require("<i8", 8);
        var values = new long[Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(8 * i));
        return values;
    }

    public byte[] Bytes()
    {
        Require("|u1", 1);
        return Data[..Count];
    }

    private void Require(string descr, int size)
    {
        if (Descr != descr || Data.Length < Count * size)
            throw new InvalidDataException($"npy holds {Descr} [{string.Join(", ", Shape)}], {Data.Length} bytes; expected {descr}");
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
