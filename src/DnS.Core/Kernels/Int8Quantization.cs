using System.Numerics.Tensors;

namespace DnS.Core.Kernels;

/// <summary>Symmetric int8 quantization with one scale per vector: <c>code = round(x · 127 / max|x|)</c>,
/// <c>scale = max|x| / 127</c>, so <c>x ≈ code · scale</c> with an error of at most half a step.</summary>
/// <remarks>A per-vector scale keeps the full int8 range for every vector whatever its norm; codes stay in
/// [−127, 127] (−128 is never produced, so negating a code cannot overflow).</remarks>
internal static class Int8Quantization
{
    /// <summary>The largest code magnitude.</summary>
    public const int Levels = 127;

    /// <summary>Quantizes <paramref name="vector"/> into <paramref name="codes"/> (same length) and returns its scale
    /// (0 for an all-zero vector, whose codes are all 0).</summary>
    /// <exception cref="ArgumentException">The vector holds NaN or ±∞ (it has no finite scale).</exception>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        KernelGuard.Exact(codes.Length, vector.Length, nameof(codes), new(null, vector.Length));
        float maxAbs = vector.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(vector));
        if (!float.IsFinite(maxAbs))
        {
            throw new ArgumentException($"the vector holds NaN or infinity (max |x| = {maxAbs}), which int8 codes cannot represent", nameof(vector));
        }

        if (maxAbs == 0f)
        {
            codes.Clear();
            return 0f;
        }

        float inverse = Levels / maxAbs;
        for (int k = 0; k < vector.Length; k++)
        {
            codes[k] = (sbyte)Math.Clamp(MathF.Round(vector[k] * inverse), -Levels, Levels);
        }

        return maxAbs / Levels;
    }

    /// <summary>The vector <paramref name="codes"/> stand for, code · <paramref name="scale"/>, into <paramref name="vector"/> (same length).</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> codes, float scale, Span<float> vector)
    {
        KernelGuard.Exact(vector.Length, codes.Length, nameof(vector), new(null, codes.Length));
        TensorPrimitives.ConvertChecked<sbyte, float>(codes, vector);
        TensorPrimitives.Multiply(vector, scale, vector);
    }
}
