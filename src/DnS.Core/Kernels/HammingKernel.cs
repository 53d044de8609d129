using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Kernels;

/// <summary>Chamfer similarity on packed sign codes (binarized region features):
/// <c>S[i,j] = mean_r max_r' (1 − 2·popcount(a ⊕ b)/bits)</c>.</summary>
/// <remarks>
/// <para>A code of <c>bits</c> signs occupies <see cref="WordsPerCode"/> ulongs; bit b of word w is sign
/// <c>64·w + b</c>, set ⇔ the value was &gt; 0 (+1). Unused high bits of the last word must be zero (as
/// <see cref="PackSigns(ReadOnlySpan{float}, int, Span{ulong})"/> writes them).</para>
/// <para>Exactness: the per-region term is the integer ±1 dot product <c>bits − 2·popcount</c>; the maxima are summed in
/// float in region order, divided by R and then by <c>bits</c>. On ±1 data this equals
/// <see cref="ChamferKernel"/>'s result divided by <c>bits</c> bit for bit. Empty: Tq = 0 or Tt = 0 gives an empty
/// matrix. Single-threaded; parallelize over pairs.</para>
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
        int rows = KernelGuard.Rows(values.Length, bits, nameof(values), new("N", bits));
        KernelGuard.Destination(codes.Length, (long)rows * words, nameof(codes), TensorShape.Of(rows, words));
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
        int queryFrames = KernelGuard.Rows(query.Length, frame, nameof(query), new("T", regions, words));
        int targetFrames = KernelGuard.Rows(target.Length, frame, nameof(target), new("T", regions, words));
        KernelGuard.Destination(similarity.Length, (long)queryFrames * targetFrames, nameof(similarity), TensorShape.Of(queryFrames, targetFrames));
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
    /// query code word is broadcast and compared with L frames at once, popcounts accumulate as bytes and are widened by a
    /// sum of absolute differences. The max over target regions is a lane-wise min of
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

        int lanes = TLanes.Count;
        int words = WordsPerCode(bits);
        int queryRows = queryFrames * regions;
        int blockLength = regions * words * lanes;
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(blockLength);
        Span<ulong> packed = rented.AsSpan(0, blockLength);
        Span<ulong> fewest = stackalloc ulong[lanes];
        Span<float> sums = similarity[..(queryFrames * targetFrames)];
        sums.Clear();
        TVector table = TLanes.NibbleTable;
        TVector table2 = TLanes.AddBytes(table, table);
        TVector table4 = TLanes.AddBytes(table2, table2);
        ref ulong queryStart = ref MemoryMarshal.GetReference(query);
        ref ulong packedStart = ref MemoryMarshal.GetReference(packed);

        int j0 = 0;
        while (j0 < targetFrames)
        {
            // Full blocks put one frame in each lane; the ragged tail puts F = next power of two ≥ tail frames × L/F
            // regions in a vector (lane g·F + l = frame l, region g of the group) instead of padding whole lanes.
            int framesPerVector = Math.Min(lanes, (int)BitOperations.RoundUpToPowerOf2((uint)(targetFrames - j0)));
            int frames = Math.Min(framesPerVector, targetFrames - j0);
            int regionsPerVector = lanes / framesPerVector;
            int regionGroups = (regions + regionsPerVector - 1) / regionsPerVector;
            for (int group = 0; group < regionGroups; group++)
            {
                for (int lane = 0; lane < lanes; lane++)
                {
                    // A repeated region cannot change the min; padding frames compare against zero codes, never read.
                    int frame = lane % framesPerVector;
                    int region = Math.Min((group * regionsPerVector) + (lane / framesPerVector), regions - 1);
                    ReadOnlySpan<ulong> code = frame < frames ? target.Slice((((j0 + frame) * regions) + region) * words, words) : default;
                    for (int w = 0; w < words; w++)
                    {
                        packed[(((group * words) + w) * lanes) + lane] = frame < frames ? code[w] : 0UL;
                    }
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
                for (int group = 0; group < regionGroups; group++)
                {
                    ref ulong codes = ref Unsafe.Add(ref packedStart, group * words * lanes);
                    min0 = TLanes.Min(min0, DifferingBits<TVector, TLanes>(ref codes, ref q0, words, table, table2, table4));
                    min1 = TLanes.Min(min1, DifferingBits<TVector, TLanes>(ref codes, ref q1, words, table, table2, table4));
                    min2 = TLanes.Min(min2, DifferingBits<TVector, TLanes>(ref codes, ref q2, words, table, table2, table4));
                    min3 = TLanes.Min(min3, DifferingBits<TVector, TLanes>(ref codes, ref q3, words, table, table2, table4));
                }

                ref ulong fewestStart = ref MemoryMarshal.GetReference(fewest);
                for (int q = 0; q < rows; q++)
                {
                    TLanes.Store(q switch { 0 => min0, 1 => min1, 2 => min2, _ => min3 }, ref fewestStart);
                    Span<float> destination = sums.Slice(((g0 + q) / regions * targetFrames) + j0, frames);
                    for (int l = 0; l < frames; l++)
                    {
                        ulong least = fewest[l];
                        for (int g = 1; g < regionsPerVector; g++)
                        {
                            least = Math.Min(least, fewest[(g * framesPerVector) + l]);
                        }

                        // Fewest differing bits is the largest ±1 dot product bits − 2·popcount; rows arrive in region
                        // order, so the float sum matches the reference exactly.
                        destination[l] += bits - (2 * (int)least);
                    }
                }
            }

            j0 += framesPerVector;
        }

        ArrayPool<ulong>.Shared.Return(rented);
        for (int n = 0; n < sums.Length; n++)
        {
            sums[n] = Normalize(sums[n], regions, bits);
        }

        return true;
    }

    /// <summary>Per lane (target frame), the number of bits in which the query code differs from that frame's code.</summary>
    /// <remarks>Whole groups of 8 words go through a Harley–Seal carry-save tree (ones, twos, two fours), so only 4
    /// vectors per 8 words need the byte-lookup popcount; measured faster than looking up all 8 on AVX-512
    /// (docs/kernels.md).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector DifferingBits<TVector, TLanes>(ref ulong codes, ref ulong query, int words, TVector table, TVector table2, TVector table4)
        where TVector : unmanaged
        where TLanes : struct, IPopCountLanes<TVector>
    {
        int lanes = TLanes.Count;
        TVector count = default;
        int w = 0;
        for (; w + 8 <= words; w += 8)
        {
            ref ulong x = ref Unsafe.Add(ref codes, w * lanes);
            ref ulong q = ref Unsafe.Add(ref query, w);
            TVector y0 = TLanes.Xor(TLanes.Load(ref x), TLanes.Broadcast(q));
            TVector y1 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 1)));
            TVector y2 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, 2 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 2)));
            TVector sum = TLanes.CarrySave(y0, y1, y2, out TVector carry0);
            TVector y3 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, 3 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 3)));
            TVector y4 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, 4 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 4)));
            sum = TLanes.CarrySave(sum, y3, y4, out TVector carry1);
            TVector y5 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, 5 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 5)));
            TVector y6 = TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref x, 6 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 6)));
            sum = TLanes.CarrySave(sum, y5, y6, out TVector carry2);
            TVector ones = TLanes.HalfAddXor(sum, TLanes.Load(ref Unsafe.Add(ref x, 7 * lanes)), TLanes.Broadcast(Unsafe.Add(ref q, 7)), out TVector carry3);
            TVector twos = TLanes.CarrySave(carry0, carry1, carry2, out TVector fours0);
            twos = TLanes.CarrySave(twos, carry3, default, out TVector fours1);

            // Weighted tables (popcount·1, ·2, ·4) replace doubling adds; the two weight-4 carries are counted
            // separately rather than added first. Bytes stay ≤ 8 + 16 + 32 + 32.
            TVector bytes = TLanes.AddBytes(TLanes.ByteCounts(ones, table), TLanes.ByteCounts(twos, table2));
            bytes = TLanes.AddBytes(bytes, TLanes.AddBytes(TLanes.ByteCounts(fours0, table4), TLanes.ByteCounts(fours1, table4)));
            count = TLanes.Add(count, TLanes.SumBytes(bytes));
        }

        if (w < words)
        {
            TVector bytes = default;
            for (; w < words; w++)
            {
                bytes = TLanes.AddBytes(bytes, TLanes.ByteCounts(TLanes.Xor(TLanes.Load(ref Unsafe.Add(ref codes, w * lanes)), TLanes.Broadcast(Unsafe.Add(ref query, w))), table));
            }

            count = TLanes.Add(count, TLanes.SumBytes(bytes));
        }

        return count;
    }

    /// <summary>The shared final arithmetic: mean over regions (as the float chamfer does), then scaling by bits.</summary>
    internal static float Normalize(float agreementSum, int regions, int bits) => agreementSum / regions / bits;
}
