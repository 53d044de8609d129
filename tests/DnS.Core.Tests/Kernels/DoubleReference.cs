using FluentAssertions;
using Xunit;
namespace DnS.Core.Tests.Kernels;

/// <summary>Double-precision oracles, independent of the library's float references.</summary>
internal static class DoubleReference
{
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++)
        {
            sum += (double)a[k] * b[k];
        }

        return sum;
    }

    public static double[] MultiplyTransposed(float[] a, float[] b, int m, int n, int k)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                c[(i * n) + j] = Dot(a.AsSpan(i * k, k), b.AsSpan(j * k, k));
            }
        }

        return c;
    }

    public static double[] Chamfer(float[] query, float[] target, int regions, int dims)
    {
        int frame = regions * dims;
        int tq = query.Length / frame;
        int tt = target.Length / frame;
        var s = new double[tq * tt];
        for (int i = 0; i < tq; i++)
        {
            for (int j = 0; j < tt; j++)
            {
                double sum = 0;
                for (int r = 0; r < regions; r++)
                {
                    double best = double.NegativeInfinity;
                    for (int t = 0; t < regions; t++)
                    {
                        best = Math.Max(best, Dot(query.AsSpan((i * frame) + (r * dims), dims), target.AsSpan((j * frame) + (t * dims), dims)));
                    }

                    sum += best;
                }

                s[(i * tt) + j] = sum / regions;
            }
        }

        return s;
    }
}
