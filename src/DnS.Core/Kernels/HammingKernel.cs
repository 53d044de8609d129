using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Chamfer similarity on packed sign codes (binarised region features):
/// <c>S[i,j] = mean_r max_r' (1 − 2·popcount(a ⊕ b)/bits)</c>.</summary>
/// <remarks>
/// <para>A code of <c>bits</c> signs occupies <see cref="WordsPerCode"/> ulongs; bit b of word w is sign
/// <c>64·w + b</c>, set ⇔ the value was &gt; 0 (+1). Unused high bits of the last word must be zero (as
/// <see cref="PackSigns(ReadOnlySpan{float}, int, Span{ulong})"/> writes them).</para>
/// <para>Exactness: the per-region term is the integer ±1 dot product <c>bits − 2·popcount</c>; the maxima are summed in
/// float in region order, divided by R and then by <c>bits</c>. On ±1 data this equals
/// <see cref="ChamferKernel"/>'s result divided by <c>bits</c> bit for bit. Empty: Tq = 0 or Tt = 0 gives an empty
/// matrix. Single-threaded; parallelise over pairs.</para>
/// </remarks>
public static class HammingKernel
{
    /// <summary>Number of ulongs one code of <paramref name="bits"/> signs occupies.</summary>
    /// <param name="bits">Signs per code (≥ 1).</param>
    /// <returns><c>ceil(bits / 64)</c>.</returns>
    public static int WordsPerCode(int bits)
    {
        KernelGuard.Positive(bits, nameof(bits));
        return (bits + 63) >> 6;
    }

    /// <summary>Packs rows of <paramref name="bits"/> floats into sign codes with the best SIMD path.</summary>
    /// <param name="values">Rows of <paramref name="bits"/> floats; the length must be a multiple of bits.</param>
    /// <param name="bits">Signs per code (≥ 1).</param>
    /// <param name="codes">Destination of at least rows × <see cref="WordsPerCode"/> ulongs.</param>
    /// <remarks>Bit set ⇔ value &gt; 0. Zero (either sign) and NaN pack as a clear bit, i.e. as −1.</remarks>
    public static void PackSigns(ReadOnlySpan<float> values, int bits, Span<ulong> codes) =>
        PackSigns(values, bits, codes, SimdCapabilities.Best);

    /// <summary>Packs rows of <paramref name="bits"/> floats into sign codes with a forced SIMD path.</summary>
    /// <param name="values">Rows of <paramref name="bits"/> floats; the length must be a multiple of bits.</param>
    /// <param name="bits">Signs per code (≥ 1).</param>
    /// <param name="codes">Destination of at least rows × <see cref="WordsPerCode"/> ulongs.</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    /// <remarks>Bit set ⇔ value &gt; 0. Zero (either sign) and NaN pack as a clear bit, i.e. as −1.</remarks>
    public static void PackSigns(ReadOnlySpan<float> values, int bits, Span<ulong> codes, SimdPath path)
    {
        KernelGuard.Path(path);
        int words = WordsPerCode(bits);
        int rows = KernelGuard.Rows(values.Length, bits, nameof(values), $"N×{bits}");
        KernelGuard.Destination(codes.Length, (long)rows * words, nameof(codes), $"{rows}×{words}");
        HammingScalar.PackSigns(values, bits, codes);
    }

    /// <summary>Computes the Tq×Tt frame-to-frame Hamming chamfer similarity with the best SIMD path.</summary>
    /// <param name="query">Tq×R codes of <see cref="WordsPerCode"/> ulongs each.</param>
    /// <param name="target">Tt×R codes of <see cref="WordsPerCode"/> ulongs each.</param>
    /// <param name="regions">R, regions per frame (≥ 1).</param>
    /// <param name="bits">Signs per code (≥ 1).</param>
    /// <param name="similarity">Destination of at least Tq×Tt elements, row-major.</param>
    public static void FrameToFrame(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity) =>
        FrameToFrame(query, target, regions, bits, similarity, SimdCapabilities.Best);

    /// <summary>Computes the Tq×Tt frame-to-frame Hamming chamfer similarity with a forced SIMD path.</summary>
    /// <param name="query">Tq×R codes of <see cref="WordsPerCode"/> ulongs each.</param>
    /// <param name="target">Tt×R codes of <see cref="WordsPerCode"/> ulongs each.</param>
    /// <param name="regions">R, regions per frame (≥ 1).</param>
    /// <param name="bits">Signs per code (≥ 1).</param>
    /// <param name="similarity">Destination of at least Tq×Tt elements, row-major.</param>
    /// <param name="path">The instruction-set path; must be supported.</param>
    public static void FrameToFrame(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity, SimdPath path)
    {
        KernelGuard.Path(path);
        KernelGuard.Positive(regions, nameof(regions));
        int words = WordsPerCode(bits);
        int frame = checked(regions * words);
        string shape = $"T×{regions}×{words} words";
        int queryFrames = KernelGuard.Rows(query.Length, frame, nameof(query), shape);
        int targetFrames = KernelGuard.Rows(target.Length, frame, nameof(target), shape);
        KernelGuard.Destination(similarity.Length, (long)queryFrames * targetFrames, nameof(similarity), $"{queryFrames}×{targetFrames}");
        HammingScalar.FrameToFrame(query, target, regions, bits, similarity);
    }

    /// <summary>The shared final arithmetic: mean over regions (as the float chamfer does), then scaling by bits.</summary>
    internal static float Normalise(float agreementSum, int regions, int bits) => agreementSum / regions / bits;
}
