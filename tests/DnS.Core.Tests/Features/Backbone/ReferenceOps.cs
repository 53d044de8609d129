namespace DnS.Core.Tests.Features.Backbone;

/// <summary>Plain-loop NCHW reference operators, the ground truth the ONNX Runtime outputs are checked against.</summary>
internal static class ReferenceOps
{
    public static float[] Conv2d(float[] input, int n, int c, int h, int w, float[] weight, float[] bias, int outC, int k,
        int stride, int pad, out int oh, out int ow)
    {
        oh = (h + 2 * pad - k) / stride + 1;
        ow = (w + 2 * pad - k) / stride + 1;
        var output = new float[n * outC * oh * ow];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < outC; o++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++)
                    {
                        double sum = bias[o];
                        for (int i = 0; i < c; i++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = y * stride - pad + ky, ix = x * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                        continue;
                                    sum += (double)input[((b * c + i) * h + iy) * w + ix] * weight[((o * c + i) * k + ky) * k + kx];
                                }
                        output[((b * outC + o) * oh + y) * ow + x] = (float)sum;
                    }
        return output;
    }

    public static float[] Relu(float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
            y[i] = MathF.Max(x[i], 0f);
        return y;
    }

    public static float[] MaxPool(float[] input, int n, int c, int h, int w, int k, int stride, int pad, out int oh, out int ow)
    {
        oh = (h + 2 * pad - k) / stride + 1;
        ow = (w + 2 * pad - k) / stride + 1;
        var output = new float[n * c * oh * ow];
        for (int p = 0; p < n * c; p++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    float best = float.NegativeInfinity;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                        {
                            int iy = y * stride - pad + ky, ix = x * stride - pad + kx;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                best = MathF.Max(best, input[(p * h + iy) * w + ix]);
                        }
                    output[(p * oh + y) * ow + x] = best;
                }
        return output;
    }
}
