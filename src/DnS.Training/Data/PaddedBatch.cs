using DnS.Training.Modules;
using static TorchSharp.torch;

namespace DnS.Training.Data;

/// <summary>
/// Videos of an <see cref="IRegionFeatureSource"/> stacked into one zero-padded batch: features [B, Tmax, R, D] and a
/// bool mask [B, Tmax] of real frames, the inputs of the students' and the selector's masked paths. Videos longer than
/// the frame cap are cropped (a random window in training, the first frames at evaluation); videos shorter than
/// <see cref="FrameTiling.MinimumFrames"/> are tiled (frame k → k mod T, doubling like the reference loader) so the
/// comparator's poolings have input.
/// </summary>
public sealed class PaddedBatch : IDisposable
{
    private PaddedBatch(Tensor features, Tensor valid, int[] frames)
    {
        Features = features;
        Valid = valid;
        Frames = frames;
    }

    /// <summary>Region features [B, Tmax, R, D], zero after each video's last frame.</summary>
    public Tensor Features { get; }

    /// <summary>Real frames [B, Tmax] (bool).</summary>
    public Tensor Valid { get; }

    /// <summary>Frames of each video in the batch after cropping and tiling.</summary>
    public IReadOnlyList<int> Frames { get; }

    /// <summary>Builds the batch of <paramref name="videos"/> (dense indices of <paramref name="source"/>).</summary>
    /// <param name="source">The corpus features.</param>
    /// <param name="videos">Which videos, in batch order (repeats allowed).</param>
    /// <param name="maxFrames">Frame cap per video (≥ <see cref="FrameTiling.MinimumFrames"/>).</param>
    /// <param name="crop">Draws the start of a random window for videos over the cap (training); null keeps the first frames (evaluation).</param>
    /// <exception cref="ArgumentException">No videos, an index out of range, a cap below 4, or a video whose feature length is not T·R·D.</exception>
    public static PaddedBatch Build(IRegionFeatureSource source, IReadOnlyList<int> videos, int maxFrames, Random? crop = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (videos.Count == 0) throw new ArgumentException("a batch needs at least one video", nameof(videos));
        if (maxFrames < FrameTiling.MinimumFrames)
            throw new ArgumentOutOfRangeException(nameof(maxFrames), maxFrames, $"the frame cap must be at least {FrameTiling.MinimumFrames}");
        int regions = source.Regions, dims = source.Dims, frameFloats = regions * dims;
        var starts = new int[videos.Count];
        var frames = new int[videos.Count];
        int tMax = 0;
        for (int b = 0; b < videos.Count; b++)
        {
            int video = videos[b];
            if ((uint)video >= (uint)source.Count)
                throw new ArgumentException($"video index {video} is outside the source's 0..{source.Count - 1}", nameof(videos));
            int t = source.GetFrames(video);
            int stored = source.GetFeatures(video).Length;
            if (t < 1 || stored != t * frameFloats)
                throw new ArgumentException($"video {video} ('{source.GetId(video)}') has {stored} floats, expected T·R·D = {t}·{regions}·{dims}", nameof(source));
            int kept = Math.Min(t, maxFrames);
            starts[b] = t > kept && crop is not null ? crop.Next(t - kept + 1) : 0;
            frames[b] = Tiled(kept);
            tMax = Math.Max(tMax, frames[b]);
        }

        var data = new float[videos.Count * tMax * frameFloats];
        var mask = new bool[videos.Count * tMax];
        for (int b = 0; b < videos.Count; b++)
        {
            var features = source.GetFeatures(videos[b]).Span;
            int kept = Math.Min(source.GetFrames(videos[b]), maxFrames);
            var window = features.Slice(starts[b] * frameFloats, kept * frameFloats);
            var row = data.AsSpan(b * tMax * frameFloats, frames[b] * frameFloats);
            // Tiling repeats the kept window whole, so tiled frame k is frame k mod T.
            for (int at = 0; at < row.Length; at += window.Length) window.CopyTo(row[at..]);
            mask.AsSpan(b * tMax, frames[b]).Fill(true);
        }
        return new PaddedBatch(tensor(data, [videos.Count, tMax, regions, dims]), tensor(mask, [videos.Count, tMax]), frames);
    }

    // The reference loader doubles short videos until they reach the comparator's minimum (1 → 4, 3 → 6).
    private static int Tiled(int frames)
    {
        int tiled = frames;
        while (tiled < FrameTiling.MinimumFrames) tiled *= 2;
        return tiled;
    }

    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Features.Dispose();
        Valid.Dispose();
    }
}
