using TorchSharp;

namespace DnS.Benchmarks.Infrastructure;

/// <summary>Loads libtorch once and pins its intra-op thread count for a suite.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets libtorch's intra-op threads and proves the native library runs here (on a GCC 12 libstdc++ this only
    /// works with the build/TorchSharpCompat.targets patch in the output folder).
    /// </summary>
    public static void Use(int threads)
    {
        using (var ones = torch.ones(2))
        using (var sum = ones.sum())
        {
            var value = sum.item<float>();
            if (value != 2f)
                throw new InvalidOperationException($"libtorch self-check: torch.ones(2).sum() returned {value}, expected 2.");
        }
        torch.set_num_threads(threads);
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/> with the given shape.</summary>
    public static torch.Tensor Tensor(float[] values, params long[] shape) => torch.tensor(values, shape);

    /// <summary>Copies a float tensor's contents out (row-major).</summary>
    public static float[] ToArray(torch.Tensor tensor) => tensor.contiguous().data<float>().ToArray();
}
