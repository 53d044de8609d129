using System.Numerics;

namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="HammingKernel"/>. The per-region agreement is the integer
/// <c>bits − 2·popcount(a ⊕ b)</c> (the ±1 dot product), summed in float in region order and divided by the
/// region count exactly as <see cref="ChamferScalar"/> does, then divided by <c>bits</c>: so on ±1 data the result
/// is bitwise the float chamfer result divided by <c>bits</c>.</summary>
internal static class HammingScalar
{
    public static void PackSigns(ReadOnlySpan<float> values, int bits, Span<ulong> codes)
    {
        int words = HammingKernel.WordsPerCode(bits);
        int rows = values.Length / bits;
        for (int row = 0; row < rows; row++)
        {
            for (int w = 0; w < words; w++)
            {
                int start = w * 64;
                int count = Math.Min(64, bits - start);
                ulong code = 0;
                for (int b = 0; b < count; b++)
                {
                    // NaN > 0 is false, so NaN and ±0 both pack as a clear bit (−1).
                    if (values[(row * bits) + start + b] > 0f)
                    {
                        code |= 1UL << b;
                    }
                }

                codes[(row * words) + w] = code;
            }
        }
    }

    public static int Agreement(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int bits)
    {
        int differing = 0;
        for (int w = 0; w < a.Length; w++)
        {
            differing += BitOperations.PopCount(a[w] ^ b[w]);
        }

        return bits - (2 * differing);
    }

    public static void FrameToFrame(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> target, int regions, int bits, Span<float> similarity)
    {
        int words = HammingKernel.WordsPerCode(bits);
        int frame = regions * words;
        int queryFrames = query.Length / frame;
        int targetFrames = target.Length / frame;
        for (int i = 0; i < queryFrames; i++)
        {
            for (int j = 0; j < targetFrames; j++)
            {
                float sum = 0f;
                for (int r = 0; r < regions; r++)
                {
                    ReadOnlySpan<ulong> q = query.Slice((i * frame) + (r * words), words);
                    int best = int.MinValue;
                    for (int t = 0; t < regions; t++)
                    {
                        best = Math.Max(best, Agreement(q, target.Slice((j * frame) + (t * words), words), bits));
                    }

                    sum += best;
                }

                similarity[(i * targetFrames) + j] = HammingKernel.Normalize(sum, regions, bits);
            }
        }
    }
}
