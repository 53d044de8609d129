using DnS.Core.Kernels;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Kernels;

public class KernelAllocationTests
{
    public static TheoryData<SimdPath> Paths => KernelTestData.SupportedPaths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void WarmKernelsAllocateNothing(SimdPath path)
    {
        const int regions = 9;
        const int dims = 64;
        const int bits = 512;
        float[] query = KernelTestData.Uniform(5 * regions * dims, 1);
        float[] target = KernelTestData.Uniform(21 * regions * dims, 2);
        float[] signs = KernelTestData.Uniform(5 * regions * bits, 3);
        var similarity = new float[5 * 21];
        var product = new float[45 * 189];
        var scores = new float[189];
        var indices = new int[10];
        var values = new float[10];
        var queryCodes = new ulong[5 * regions * 8];
        var hamming = new float[5 * 5];
        var columns = new float[2000];
        var int8 = new sbyte[189 * dims];
        var batched = new float[5 * 189];

        void RunAll()
        {
            ChamferKernel.FrameToFrame(query, target, regions, dims, similarity, path);
            Gemm.MultiplyTransposed(query, target, product, 45, 189, dims, path);
            Gemm.MultiplyTransposed(query.AsSpan(0, 2 * dims), target, product, 2, 189, dims, path);
            Gemm.MultiplyTransposed(query.AsSpan(0, 8 * 4 * dims), target.AsSpan(0, 20 * 4 * dims), product, 8, 20, 4 * dims, path);
            DotKernel.OneVsMany(query.AsSpan(0, dims), target, scores, path);
            TopK.Select(scores, indices, values, path);
            BatchDotKernel.ManyVsMany(query.AsSpan(0, 5 * dims), target, dims, batched, 189, path);
            QuantizedDotKernel.OneVsMany(int8.AsSpan(0, dims), 0.5f, int8, scores, columns, path);
            HammingKernel.PackSigns(signs, bits, queryCodes, path);
            HammingKernel.FrameToFrame(queryCodes, queryCodes, regions, bits, hamming, path);
            VideoChamfer.Symmetric(similarity, 5, 21, path);
            VideoChamfer.Symmetric(columns, 1, 2000, path);
        }

        // ArrayPool.Shared drops its cached arrays when a gen-2 GC (any parallel test's) finds memory pressure, so one warm
        // run may re-allocate a pooled buffer. A kernel that allocates per call allocates in every run: the fewest bytes
        // of several runs is what the kernels themselves allocate.
        RunAll();
        long allocated = long.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            RunAll();
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        allocated.Should().Be(0, $"{path} kernels rent their buffers from ArrayPool and build no strings on valid calls");
    }
}
