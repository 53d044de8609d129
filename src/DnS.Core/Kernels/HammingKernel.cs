using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    /// <summary>Query codes per register block of the vector path.</summary>
    private const int Rows = 4;

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
        switch (path)
        {
            case SimdPath.Vector512:
                PackSigns<Lanes512>(values, bits, codes, rows);
                break;
            case SimdPath.Vector256:
                PackSigns<Lanes256>(values, bits, codes, rows);
                break;
            case SimdPath.Vector128:
                PackSigns<Lanes128>(values, bits, codes, rows);
                break;
            default:
                HammingScalar.PackSigns(values, bits, codes);
                break;
        }
    }

    /// <summary>A vector compare's sign mask gives L bits at once; 64 / L of them make one word. The ragged last word
    /// of a row (bits not a multiple of 64) goes through the scalar reference.</summary>
    private static void PackSigns<TLanes>(ReadOnlySpan<float> values, int bits, Span<ulong> codes, int rows)
        where TLanes : struct, ISimdLanes
    {
        int words = WordsPerCode(bits);
        int fullWords = bits / 64;
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> source = values.Slice(row * bits, bits);
            Span<ulong> code = codes.Slice(row * words, words);
            ref float start = ref MemoryMarshal.GetReference(source);
            for (int w = 0; w < fullWords; w++)
            {
                ulong word = 0;
                for (int b = 0; b < 64; b += TLanes.Count)
                {
                    word |= TLanes.PositiveBits(ref Unsafe.Add(ref start, (w * 64) + b)) << b;
                }

                code[w] = word;
            }

            if (fullWords < words)
            {
                HammingScalar.PackSigns(source[(fullWords * 64)..], bits - (fullWords * 64), code[fullWords..]);
            }
        }
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
        if (queryFrames == 0 || targetFrames == 0)
        {
            return;
        }

        bool done = path switch
        {
            SimdPath.Vector512 => Blocked<Vector512<ulong>, PopCount512>(query, target, regions, bits, similarity, queryFrames, targetFrames),
            SimdPath.Vector256 => Blocked<Vector256<ulong>, PopCount256>(query, target, regions, bits, similarity, queryFrames, targetFrames),
            SimdPath.Vector128 => Blocked<Vector128<ulong>, PopCount128>(query, target, regions, bits, similarity, queryFrames, targetFrames),
            _ => false,
        };
        if (!done)
        {
            HammingScalar.FrameToFrame(query, target, regions, bits, similarity);
        }
    }

    /// <summary>Target codes are packed word-major with one target frame per ulong lane (L frames per block); each
    /// query code word is broadcast and compared with L frames at once, popcounts accumulate as bytes (≤ 8 per word, so
    /// up to 31 words fit a byte) and are widened once per chunk. The max over target regions is a lane-wise min of
    /// differing-bit counts. Returns false when the width lacks a byte shuffle (the caller then uses POPCNT).</summary>
    private static bool Blocked<TVector, TLanes>(
        ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity, int queryFrames, int targetFrames)
        where TVector : unmanaged
        where TLanes : struct, IPopCountLanes<TVector>
    {
        if (!TLanes.IsSupported)
        {
            return false;
        }

        const int ByteSafeWords = 31;
        int lanes = TLanes.Count;
        int words = WordsPerCode(bits);
        int frameWords = regions * words;
        int queryRows = queryFrames * regions;
        int blockLength = frameWords * lanes;
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(blockLength);
        Span<ulong> packed = rented.AsSpan(0, blockLength);
        Span<ulong> fewest = stackalloc ulong[lanes];
        Span<float> sums = similarity[..(queryFrames * targetFrames)];
        sums.Clear();
        TVector table = TLanes.NibbleTable;
        ref ulong queryStart = ref MemoryMarshal.GetReference(query);
        ref ulong packedStart = ref MemoryMarshal.GetReference(packed);

        for (int j0 = 0; j0 < targetFrames; j0 += lanes)
        {
            int frames = Math.Min(lanes, targetFrames - j0);
            for (int l = 0; l < lanes; l++)
            {
                // Padding lanes compare against zero codes; their results are never read.
                ReadOnlySpan<ulong> frame = l < frames ? target.Slice((j0 + l) * frameWords, frameWords) : default;
                for (int n = 0; n < frameWords; n++)
                {
                    packed[(n * lanes) + l] = l < frames ? frame[n] : 0UL;
                }
            }

            for (int g0 = 0; g0 < queryRows; g0 += Rows)
            {
                int rows = Math.Min(Rows, queryRows - g0);
                ref ulong q0 = ref Unsafe.Add(ref queryStart, g0 * words);
                ref ulong q1 = ref Unsafe.Add(ref q0, Math.Min(1, rows - 1) * words);
                ref ulong q2 = ref Unsafe.Add(ref q0, Math.Min(2, rows - 1) * words);
                ref ulong q3 = ref Unsafe.Add(ref q0, Math.Min(3, rows - 1) * words);
                TVector min0 = TLanes.Broadcast(ulong.MaxValue), min1 = min0, min2 = min0, min3 = min0;
                for (int t = 0; t < regions; t++)
                {
                    ref ulong codes = ref Unsafe.Add(ref packedStart, t * words * lanes);
                    TVector count0 = default, count1 = default, count2 = default, count3 = default;
                    for (int w0 = 0; w0 < words; w0 += ByteSafeWords)
                    {
                        int end = Math.Min(words, w0 + ByteSafeWords);
                        TVector bytes0 = default, bytes1 = default, bytes2 = default, bytes3 = default;
                        for (int w = w0; w < end; w++)
                        {
                            TVector x = TLanes.Load(ref Unsafe.Add(ref codes, w * lanes));
                            bytes0 = TLanes.AddBytes(bytes0, TLanes.XorByteCounts(x, TLanes.Broadcast(Unsafe.Add(ref q0, w)), table));
                            bytes1 = TLanes.AddBytes(bytes1, TLanes.XorByteCounts(x, TLanes.Broadcast(Unsafe.Add(ref q1, w)), table));
                            bytes2 = TLanes.AddBytes(bytes2, TLanes.XorByteCounts(x, TLanes.Broadcast(Unsafe.Add(ref q2, w)), table));
                            bytes3 = TLanes.AddBytes(bytes3, TLanes.XorByteCounts(x, TLanes.Broadcast(Unsafe.Add(ref q3, w)), table));
                        }

                        count0 = TLanes.Add(count0, TLanes.SumBytes(bytes0));
                        count1 = TLanes.Add(count1, TLanes.SumBytes(bytes1));
                        count2 = TLanes.Add(count2, TLanes.SumBytes(bytes2));
                        count3 = TLanes.Add(count3, TLanes.SumBytes(bytes3));
                    }

                    min0 = TLanes.Min(min0, count0);
                    min1 = TLanes.Min(min1, count1);
                    min2 = TLanes.Min(min2, count2);
                    min3 = TLanes.Min(min3, count3);
                }

                ref ulong fewestStart = ref MemoryMarshal.GetReference(fewest);
                for (int q = 0; q < rows; q++)
                {
                    TLanes.Store(q switch { 0 => min0, 1 => min1, 2 => min2, _ => min3 }, ref fewestStart);
                    Span<float> destination = sums.Slice(((g0 + q) / regions * targetFrames) + j0, frames);
                    for (int l = 0; l < frames; l++)
                    {
                        // Fewest differing bits is the largest ±1 dot product bits − 2·popcount; rows arrive in region
                        // order, so the float sum matches the reference exactly.
                        destination[l] += bits - (2 * (int)fewest[l]);
                    }
                }
            }
        }

        ArrayPool<ulong>.Shared.Return(rented);
        for (int n = 0; n < sums.Length; n++)
        {
            sums[n] = Normalise(sums[n], regions, bits);
        }

        return true;
    }

    /// <summary>The shared final arithmetic: mean over regions (as the float chamfer does), then scaling by bits.</summary>
    internal static float Normalise(float agreementSum, int regions, int bits) => agreementSum / regions / bits;
}
