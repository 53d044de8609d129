using DnS.Training.Data;
using static TorchSharp.torch;

namespace DnS.Training.SelfSupervised;

/// <summary>Clip tensors [T, R, D] gathered from a region feature source.</summary>
public static class ClipTensors
{
    /// <summary>The frames <paramref name="frames"/> (source frame per output frame, repeats allowed) of entry <paramref name="entry"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A frame index is outside the video, or no frame is asked for.</exception>
    public static Tensor Gather(IRegionFeatureSource source, int entry, ReadOnlySpan<int> frames)
    {
        if (frames.IsEmpty) throw new ArgumentOutOfRangeException(nameof(frames), "a clip needs at least one frame");
        int length = source.GetFrames(entry), frameLength = source.Regions * source.Dims;
        var features = source.GetFeatures(entry).Span;
        var values = new float[frames.Length * frameLength];
        for (int i = 0; i < frames.Length; i++)
        {
            int f = frames[i];
            if ((uint)f >= (uint)length)
                throw new ArgumentOutOfRangeException(nameof(frames), f, $"video '{source.GetId(entry)}' has {length} frames");
            features.Slice(f * frameLength, frameLength).CopyTo(values.AsSpan(i * frameLength, frameLength));
        }
        return tensor(values, [frames.Length, source.Regions, source.Dims]);
    }

    /// <summary>All frames of entry <paramref name="entry"/>.</summary>
    public static Tensor Whole(IRegionFeatureSource source, int entry)
    {
        int length = source.GetFrames(entry);
        return tensor(source.GetFeatures(entry).ToArray(), [length, source.Regions, source.Dims]);
    }
}
