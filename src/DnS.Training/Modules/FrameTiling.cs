using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>
/// The reference data loader tiles videos shorter than 4 frames by concatenating them with themselves
/// (3 → 6, 1 → 2 → 4) so the comparator's two poolings have input. Tiling the frame-to-frame matrix
/// (tiled frame k is frame k mod T) is identical, because the similarity is computed per frame pair.
/// </summary>
public static class FrameTiling
{
    /// <summary>The comparator's minimum length on each axis.</summary>
    public const int MinimumFrames = 4;

    /// <summary>Tiles axes 1 and 2 of a [B, Tq, Tt] matrix until both have at least <see cref="MinimumFrames"/> entries.</summary>
    public static Tensor Tile(Tensor f2f)
    {
        var x = TileAxis(f2f, 1);
        return TileAxis(x, 2);
    }

    private static Tensor TileAxis(Tensor x, int axis)
    {
        long t = x.shape[axis];
        if (t >= MinimumFrames) return x;
        long tiled = t;
        while (tiled < MinimumFrames) tiled *= 2;
        return x.index_select(axis, arange(tiled, dtype: ScalarType.Int64, device: x.device).remainder(t));
    }
}
