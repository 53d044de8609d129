using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DnS.Core.Weights;

/// <summary>Typed, shape-checked reads from an <see cref="ITensorSource"/>.</summary>
public static class TensorSourceExtensions
{
    /// <summary>The tensor's description, or a <see cref="WeightsFormatException"/> naming the missing key.</summary>
    public static TensorInfo GetInfo(this ITensorSource source, string name)
    {
        if (source.Tensors.TryGetValue(name, out var info)) return info;
        throw new WeightsFormatException(source.SourceName, $"missing tensor '{name}'", name);
    }

    /// <summary>
    /// Reads a float tensor as F32 (F64/F16/BF16 are converted). When <paramref name="expectedShape"/> is given,
    /// a different shape throws a <see cref="WeightsFormatException"/> naming both shapes; use -1 for "any size".
    /// A NaN or infinite value (also an F64 value beyond the F32 range) throws a <see cref="WeightsFormatException"/>
    /// naming the tensor and the element: such weights would load and then poison every score computed with them.
    /// </summary>
    public static float[] ReadFloats(this ITensorSource source, string name, params int[] expectedShape)
    {
        var info = source.GetInfo(name);
        if (expectedShape.Length > 0) CheckShape(source, info, expectedShape);
        var bytes = source.GetBytes(name);
        var result = new float[info.ElementCount];
        switch (info.DType)
        {
            case TensorDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case TensorDType.F64:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            case TensorDType.F16:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case TensorDType.BF16:
                for (int i = 0; i < result.Length; i++)
                    result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            default:
                throw new WeightsFormatException(source.SourceName, $"tensor '{name}' has dtype {info.DType}, expected a float type", name);
        }
        for (int i = 0; i < result.Length; i++)
        {
            if (!float.IsFinite(result[i]))
                throw new WeightsFormatException(source.SourceName,
                    $"tensor '{name}' holds {result[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} at element {i}{(info.DType == TensorDType.F32 ? "" : $" (as F32, from {info.DType})")}: weights must be finite", name);
        }
        return result;
    }

    /// <summary>Reads an integer tensor (I64/I32/I16/I8/U8/Bool) as 64-bit values.</summary>
    public static long[] ReadInt64(this ITensorSource source, string name)
    {
        var info = source.GetInfo(name);
        var bytes = source.GetBytes(name);
        var result = new long[info.ElementCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = info.DType switch
            {
                TensorDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]),
                TensorDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]),
                TensorDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]),
                TensorDType.I8 => (sbyte)bytes[i],
                TensorDType.U8 or TensorDType.Bool => bytes[i],
                _ => throw new WeightsFormatException(source.SourceName, $"tensor '{name}' has dtype {info.DType}, expected an integer type", name),
            };
        }
        return result;
    }

    /// <summary>Throws a <see cref="WeightsFormatException"/> naming both shapes when they differ (-1 matches any size).</summary>
    public static void CheckShape(this ITensorSource source, TensorInfo info, ReadOnlySpan<int> expected)
    {
        bool ok = info.Shape.Length == expected.Length;
        for (int i = 0; ok && i < expected.Length; i++) ok = expected[i] < 0 || expected[i] == info.Shape[i];
        if (!ok)
            throw new WeightsFormatException(source.SourceName,
                $"tensor '{info.Name}' has shape {info.ShapeText}, expected {TensorInfo.FormatShape(expected)}", info.Name);
    }

    /// <summary>
    /// Throws a <see cref="WeightsFormatException"/> when the source holds tensors outside <paramref name="prefixes"/>:
    /// the weights of another network (a coarse student given as a teacher, say) must not load as a degenerate one.
    /// </summary>
    public static void RequireOnly(this ITensorSource source, string network, params string[] prefixes)
    {
        var unexpected = new List<string>();
        foreach (var name in source.Tensors.Keys)
        {
            bool known = false;
            foreach (var prefix in prefixes) known |= name.StartsWith(prefix, StringComparison.Ordinal);
            if (!known) unexpected.Add(name);
        }
        if (unexpected.Count == 0) return;
        unexpected.Sort(StringComparer.Ordinal);
        throw new WeightsFormatException(source.SourceName,
            $"not the weights of a {network}: unexpected tensors {string.Join(", ", unexpected.Take(5).Select(n => $"'{n}'"))}{(unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")}",
            unexpected[0]);
    }
}
