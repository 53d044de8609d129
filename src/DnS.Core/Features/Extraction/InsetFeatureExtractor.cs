using DnS.Core.Features.BuiltIn;
using DnS.Core.Features.Decoding;

namespace DnS.Core.Features.Extraction;

/// <summary>
/// Picture-in-picture features: every sampled frame is decoded whole (<see cref="ResizeMethod.Stretch"/> to
/// <see cref="Side"/>², nothing cropped, so corners stay in view) and described by the built-in region descriptor
/// (<see cref="BuiltInFrameEncoder"/>) of the whole frame (region 0) and of sliding windows of 1/2, 1/3 and 1/4 of its
/// side (1/4, 1/9 and 1/16 of its area) at half-window steps: 3×3 + 5×5 + 7×7 windows, row-major per scale.
/// A copy that shows a video shrunk into part of another frame has a window whose descriptor matches the original's
/// whole-frame descriptor; <see cref="Retrieval.InsetSimilarity"/> scores that.
/// </summary>
public sealed class InsetFeatureExtractor : FrameEncodingExtractor
{
    /// <summary>The side of the squeezed frame: divisible by every scale and its half steps (window sides 120, 80, 60).</summary>
    public const int Side = 240;

    /// <summary>Window scales: a window's side is the frame's side divided by the scale.</summary>
    public static IReadOnlyList<int> Scales { get; } = [2, 3, 4];

    private static readonly PixelRect[] Layout = CreateWindows(Side);

    /// <summary>Windows per frame over all scales (83): regions 1..83.</summary>
    internal static int WindowCount => Layout.Length - 1;

    /// <summary>The regions [First, End) of each scale's windows, in the order of <see cref="Scales"/> (1..9, 10..34, 35..83).</summary>
    internal static IReadOnlyList<(int First, int End)> ScaleRegions { get; } =
        [.. Scales.Select(k => (Array.FindIndex(Layout, 1, w => w.Width == Side / k), Array.FindLastIndex(Layout, w => w.Width == Side / k) + 1))];

    /// <summary>Creates the extractor; the decoding options' sampling, limits and ffmpeg folder apply, its resize is replaced by
    /// <see cref="ResizeMethod.Stretch"/> to <see cref="Side"/>².</summary>
    public InsetFeatureExtractor(VideoDecodingOptions? decoding = null)
        : base(new VideoFrameDecoder((decoding ?? new VideoDecodingOptions()) with { Resize = ResizeMethod.Stretch, ResizeShortSide = Side, CropSize = Side }))
    {
    }

    /// <summary>Regions per frame: the whole frame, then the windows of every scale (84).</summary>
    public override int Regions => Layout.Length;

    /// <inheritdoc />
    public override int Dimensions => BuiltInFrameEncoder.Dimensions;

    /// <inheritdoc />
    protected override void EncodeBatch(FrameBatch batch, Span<float> destination)
    {
        if (batch.Height != Side || batch.Width != Side)
            throw new ArgumentException($"inset features need {Side}×{Side} frames, the batch holds {batch.Height}×{batch.Width}", nameof(batch));
        BuiltInFrameEncoder.EncodeWindows(batch, Layout, destination);
    }

    /// <summary>The whole frame, then per scale k the (2k − 1)² windows of side s/k at steps of s/(2k).</summary>
    internal static PixelRect[] CreateWindows(int side)
    {
        var windows = new List<PixelRect> { new(0, side, 0, side) };
        foreach (int k in Scales)
        {
            int size = side / k, step = size / 2;
            for (int y = 0; y + size <= side; y += step)
                for (int x = 0; x + size <= side; x += step)
                    windows.Add(new PixelRect(y, y + size, x, x + size));
        }
        return [.. windows];
    }
}
