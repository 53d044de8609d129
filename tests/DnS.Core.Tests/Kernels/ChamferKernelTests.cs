using FluentAssertions;
using Xunit;
using DnS.Core.Kernels;
using DnS.Core.Kernels.Reference;

namespace DnS.Core.Tests.Kernels;

public class ChamferKernelTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    // (Tq, Tt, R, D): degenerate sizes, tails of every vector width, odd region counts, the DnS shape, a large D.
    private static readonly (int Tq, int Tt, int R, int D)[] Shapes =
    [
        (1, 1, 1, 1), (1, 1, 1, 3), (2, 3, 1, 17), (3, 2, 2, 33), (5, 7, 3, 129), (1, 17, 9, 64), (17, 1, 9, 16),
        (7, 33, 4, 31), (3, 13, 2, 40), (2, 45, 3, 8), (13, 19, 9, 512), (4, 5, 5, 4096), (20, 40, 9, 100),
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesScalarAndDoubleReferences(SimdPath path)
    {
        int seed = 11;
        foreach ((int tq, int tt, int r, int d) in Shapes)
        {
            float[] query = KernelTestData.Uniform(tq * r * d, seed++);
            float[] target = KernelTestData.Uniform(tt * r * d, seed++);
            var actual = new float[tq * tt];
            var scalar = new float[tq * tt];

            ChamferKernel.FrameToFrame(query, target, r, d, actual, path);
            ChamferScalar.FrameToFrame(query, target, r, d, scalar);

            string what = $"{path} Tq={tq} Tt={tt} R={r} D={d}";
            double tolerance = KernelTestData.Tolerance(d);
            KernelTestData.ShouldBeClose(actual, scalar, tolerance, what + " vs scalar");
            KernelTestData.ShouldBeClose(actual, DoubleReference.Chamfer(query, target, r, d), tolerance, what + " vs double");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SignVectorsGiveExactIntegerMeans(SimdPath path)
    {
        const int regions = 9;
        const int dims = 96;
        float[] query = KernelTestData.Signs(6 * regions * dims, 3);
        float[] target = KernelTestData.Signs(21 * regions * dims, 4);
        var actual = new float[6 * 21];
        var scalar = new float[6 * 21];

        ChamferKernel.FrameToFrame(query, target, regions, dims, actual, path);
        ChamferScalar.FrameToFrame(query, target, regions, dims, scalar);

        actual.Should().Equal(scalar, "±1 dot products are exact integers on every path");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void NaNPoisonsExactlyTheRowAndColumnOfItsFrames(SimdPath path)
    {
        const int regions = 3;
        const int dims = 37;
        const int tq = 4;
        const int tt = 19;
        float[] query = KernelTestData.Uniform(tq * regions * dims, 5);
        float[] target = KernelTestData.Uniform(tt * regions * dims, 6);
        query[(2 * regions * dims) + dims + 5] = float.NaN;     // query frame 2, region 1
        target[(17 * regions * dims) + (2 * dims) + 36] = float.NaN; // target frame 17, region 2 (last element)
        var actual = new float[tq * tt];
        var scalar = new float[tq * tt];

        ChamferKernel.FrameToFrame(query, target, regions, dims, actual, path);
        ChamferScalar.FrameToFrame(query, target, regions, dims, scalar);

        for (int i = 0; i < tq; i++)
        {
            for (int j = 0; j < tt; j++)
            {
                bool poisoned = i == 2 || j == 17;
                float.IsNaN(actual[(i * tt) + j]).Should().Be(poisoned, $"{path} S[{i},{j}]");
                float.IsNaN(scalar[(i * tt) + j]).Should().Be(poisoned, $"scalar S[{i},{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void EmptyVideosGiveEmptySimilarity(SimdPath path)
    {
        float[] frames = KernelTestData.Uniform(2 * 9 * 8, 7);
        var untouched = new float[] { 42f };

        ChamferKernel.FrameToFrame([], frames, 9, 8, untouched, path);
        ChamferKernel.FrameToFrame(frames, [], 9, 8, untouched, path);
        ChamferKernel.FrameToFrame(frames, [], 9, 8, Span<float>.Empty, path);

        untouched[0].Should().Be(42f);
    }

    [Fact]
    public void RejectsBadShapes()
    {
        float[] frames = new float[2 * 9 * 8];
        var similarity = new float[4];

        FluentActions.Invoking(() => ChamferKernel.FrameToFrame(frames.AsSpan(1), frames, 9, 8, similarity))
            .Should().Throw<ArgumentException>().WithMessage("*query*T×9×8*");
        FluentActions.Invoking(() => ChamferKernel.FrameToFrame(frames, frames.AsSpan(3), 9, 8, similarity))
            .Should().Throw<ArgumentException>().WithMessage("*target*");
        FluentActions.Invoking(() => ChamferKernel.FrameToFrame(frames, frames, 9, 8, similarity.AsSpan(1)))
            .Should().Throw<ArgumentException>().WithMessage("*similarity*2×2*");
        FluentActions.Invoking(() => ChamferKernel.FrameToFrame(frames, frames, 0, 8, similarity))
            .Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ChamferKernel.FrameToFrame(frames, frames, 9, -1, similarity))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
