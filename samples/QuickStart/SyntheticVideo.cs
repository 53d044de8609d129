
/// <summary>
/// Synthetic region features with the statistics that matter for retrieval: frames drift slowly in time
/// (a random walk), every region vector is L2-normalised, and copies are temporal crops plus noise.
/// </summary>
internal static class SyntheticVideo
{
    public static float[] Create(Random rng, int frames, int regions, int dims)
    {
        var video = new float[frames * regions * dims];
        var state = Gaussian(rng, regions * dims);
        for (int t = 0; t < frames; t++)
        {
            var step = Gaussian(rng, regions * dims);
            for (int i = 0; i < state.Length; i++) state[i] = 0.9f * state[i] + 0.45f * step[i];
            state.CopyTo(video.AsSpan(t * regions * dims));
        }
        NormaliseRows(video, dims);
        return video;
    }

    public static float[] NoisyCrop(Random rng, float[] video, int regions, int dims, float noise)
    {
        int frames = video.Length / (regions * dims);
        int start = frames / 4, length = Math.Max(4, frames / 2);
        if (start + length > frames) start = 0;
        var copy = video.AsSpan(start * regions * dims, Math.Min(length, frames) * regions * dims).ToArray();
        var n = Gaussian(rng, copy.Length);
        for (int i = 0; i < copy.Length; i++) copy[i] += noise / MathF.Sqrt(dims) * n[i];
        NormaliseRows(copy, dims);
        return copy;
    }

    public static void MeanEmbedding(ReadOnlySpan<float> video, int regions, int dims, Span<float> embedding)
    {
        embedding.Clear();
        for (int row = 0; row < video.Length / dims; row++)
            System.Numerics.Tensors.TensorPrimitives.Add(embedding, video.Slice(row * dims, dims), embedding);
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(embedding);
        System.Numerics.Tensors.TensorPrimitives.Divide(embedding, norm, embedding);
    }

    private static void NormaliseRows(Span<float> rows, int dims)
    {
        for (int r = 0; r < rows.Length / dims; r++)
        {
            var row = rows.Slice(r * dims, dims);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
        }
    }

    private static float[] Gaussian(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return values;
    }
}
