namespace DnS.Core.Weights;

/// <summary>Element types of the safetensors format (the subset PyTorch state dicts use).</summary>
public enum TensorDType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>16-bit IEEE float.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>16-bit signed integer.</summary>
    I16,
    /// <summary>8-bit signed integer.</summary>
    I8,
    /// <summary>8-bit unsigned integer.</summary>
    U8,
    /// <summary>Boolean stored as one byte.</summary>
    Bool,
}

/// <summary>Sizes and names of <see cref="TensorDType"/> values.</summary>
public static class TensorDTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ByteSize(this TensorDType type) => type switch
    {
        TensorDType.F64 or TensorDType.I64 => 8,
        TensorDType.F32 or TensorDType.I32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 => 2,
        _ => 1,
    };

    /// <summary>The dtype string used in a safetensors header (e.g. <c>F32</c>).</summary>
    public static string ToHeaderName(this TensorDType type) => type == TensorDType.Bool ? "BOOL" : type.ToString();

    internal static bool TryParse(string name, out TensorDType type)
    {
        if (name == "BOOL") { type = TensorDType.Bool; return true; }
        return Enum.TryParse(name, ignoreCase: false, out type) && name != nameof(TensorDType.Bool);
    }
}
