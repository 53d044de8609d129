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

    public float[] Floats() => Values<float>("<f4");

    public long[] Int64s() => Values<long>("<i8");

    public byte[] Bytes() => Values<byte>("|u1");

    // The files are little-endian, like every machine .NET runs these tests on.
    private T[] Values<T>(string descr)
        where T : unmanaged
    {
        int bytes = Count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (Descr != descr || Data.Length < bytes || !BitConverter.IsLittleEndian)
            throw new InvalidDataException($"npy holds {Descr} [{string.Join(", ", Shape)}], {Data.Length} bytes; expected {descr}");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data.AsSpan(0, bytes)).ToArray();
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
