using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Tests.Kernels;

public class HammingKernelTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void EqualsTheFloatChamferOnSignVectorsBitForBit(SimdPath path)
    {
        foreach ((int tq, int tt, int regions, int bits) in new[] { (1, 1, 1, 1), (3, 5, 9, 512), (7, 19, 9, 256), (2, 9, 4, 100), (5, 3, 3, 1000), (11, 17, 1, 64) })
        {
            float[] query = KernelTestData.Signs(tq * regions * bits, tq + bits);
            float[] target = KernelTestData.Signs(tt * regions * bits, tt + bits);
            int words = HammingKernel.WordsPerCode(bits);
            var queryCodes = new ulong[tq * regions * words];
            var targetCodes = new ulong[tt * regions * words];
            HammingKernel.PackSigns(query, bits, queryCodes, path);
            HammingKernel.PackSigns(target, bits, targetCodes, path);
            var hamming = new float[tq * tt];
            var chamfer = new float[tq * tt];

            HammingKernel.FrameToFrame(queryCodes, targetCodes, regions, bits, hamming, path);
            ChamferKernel.FrameToFrame(query, target, regions, bits, chamfer, path);

            for (int n = 0; n < chamfer.Length; n++)
            {
                chamfer[n] /= bits;
            }

            hamming.Should().Equal(chamfer, $"{path} Tq={tq} Tt={tt} R={regions} bits={bits}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesScalarReferenceOnRandomCodes(SimdPath path)
    {
        var random = new Random(23);
        foreach ((int tq, int tt, int regions, int bits) in new[] { (4, 33, 9, 512), (9, 8, 2, 64), (3, 17, 5, 2048), (6, 7, 3, 192) })
        {
            int words = HammingKernel.WordsPerCode(bits);
            var query = new ulong[tq * regions * words];
            var target = new ulong[tt * regions * words];
            random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(query.AsSpan()));
            random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(target.AsSpan()));
            var actual = new float[tq * tt];
            var scalar = new float[tq * tt];

            HammingKernel.FrameToFrame(query, target, regions, bits, actual, path);
            HammingScalar.FrameToFrame(query, target, regions, bits, scalar);

            actual.Should().Equal(scalar, $"{path} bits={bits}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PacksSignsWithZeroAndNaNAsMinusOne(SimdPath path)
    {
        const int bits = 70;
        float[] values = KernelTestData.Uniform(3 * bits, 31);
        values[0] = 0f;
        values[1] = -0f;
        values[2] = float.NaN;
        values[3] = float.PositiveInfinity;
        values[bits + 69] = 1e-30f;
        var codes = new ulong[3 * 2];
        var scalar = new ulong[3 * 2];

        HammingKernel.PackSigns(values, bits, codes, path);
        HammingScalar.PackSigns(values, bits, scalar);

        codes.Should().Equal(scalar);
        (codes[0] & 0b1111UL).Should().Be(0b1000UL);
        (codes[3] >> 5).Should().Be(1UL, "bit 69 is bit 5 of the second word, and the unused high bits stay clear");
    }

    [Fact]
    public void EmptyAndValidation()
    {
        var untouched = new float[] { 1f };
        HammingKernel.FrameToFrame([], new ulong[16], 2, 512, untouched);
        untouched[0].Should().Be(1f);
        HammingKernel.WordsPerCode(1).Should().Be(1);
        HammingKernel.WordsPerCode(64).Should().Be(1);
        HammingKernel.WordsPerCode(65).Should().Be(2);

        FluentActions.Invoking(() => HammingKernel.FrameToFrame(new ulong[15], new ulong[16], 2, 512, new float[4]))
            .Should().Throw<ArgumentException>().WithMessage("*query*");
        FluentActions.Invoking(() => HammingKernel.FrameToFrame(new ulong[16], new ulong[16], 2, 512, new float[0]))
            .Should().Throw<ArgumentException>().WithMessage("*similarity*1×1*");
        FluentActions.Invoking(() => HammingKernel.PackSigns(new float[10], 3, new ulong[4]))
            .Should().Throw<ArgumentException>().WithMessage("*values*");
        FluentActions.Invoking(() => HammingKernel.PackSigns(new float[9], 3, new ulong[2]))
            .Should().Throw<ArgumentException>().WithMessage("*codes*");
        FluentActions.Invoking(() => HammingKernel.WordsPerCode(0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
