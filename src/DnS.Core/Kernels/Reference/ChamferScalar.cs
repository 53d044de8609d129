namespace DnS.Core.Kernels.Reference;

/// <summary>Scalar reference for <see cref="ChamferKernel"/>. Defines the arithmetic the SIMD paths reproduce:
/// max with <see cref="MathF.Max(float, float)"/> (NaN wins), region maxima summed in region order starting at 0,
/// then one division by the region count.</summary>
internal static class ChamferScalar
{
    public static void FrameToFrame(ReadOnlySpan<float> query, ReadOnlySpan<float> target, int regions, int dims, Span<float> similarity)
    {
        int frame = regions * dims;
        int queryFrames = query.Length / frame;
        int targetFrames = target.Length / frame;
        for (int i = 0; i < queryFrames; i++)
        {
            for (int j = 0; j < targetFrames; j++)
            {
                float sum = 0f;
                for (int r = 0; r < regions; r++)
                {
                    ReadOnlySpan<float> q = query.Slice((i * frame) + (r * dims), dims);
                    float best = float.NegativeInfinity;
                    for (int t = 0; t < regions; t++)
                    {
                        best = MathF.Max(best, DotScalar.Dot(q, target.Slice((j * frame) + (t * dims), dims)));
                    }

                    sum += best;
                }

                similarity[(i * targetFrames) + j] = sum / regions;
            }
        }
    }
}
