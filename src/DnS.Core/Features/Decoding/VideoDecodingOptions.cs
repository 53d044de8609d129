namespace DnS.Core.Features.Decoding;

/// <summary>
/// How videos are sampled and preprocessed. The defaults are the reference's: 1 frame per second, shorter side
/// resized to 256 (bicubic), center crop 224×224, RGB, ImageNet normalization, NCHW.
/// </summary>
public sealed record VideoDecodingOptions
{
    /// <summary>Sampled frames per second of video time (default 1).</summary>
    public double FramesPerSecond { get; init; } = 1.0;

    /// <summary>The shorter side is resized to this many pixels, keeping the aspect ratio (default 256).</summary>
    public int ResizeShortSide { get; init; } = 256;

    /// <summary>Side of the square center crop taken after resizing (default 224); at most <see cref="ResizeShortSide"/>.</summary>
    public int CropSize { get; init; } = 224;

    /// <summary>
    /// Where the resize and crop happen (default <see cref="ResizeMethod.Reference"/>: in the library, bit-exact with
    /// the reference's OpenCV bicubic; <see cref="ResizeMethod.Ffmpeg"/>: in ffmpeg's filter graph).
    /// </summary>
    public ResizeMethod Resize { get; init; } = ResizeMethod.Reference;

    /// <summary>Frames per <see cref="FrameBatch"/> (default 32); also bounds the decoder's read-ahead.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Folder holding the ffmpeg and ffprobe executables; null searches the PATH.</summary>
    public string? FfmpegFolder { get; init; }

    /// <summary>
    /// When true, a truncated file yields the frames decoded before the cut instead of throwing
    /// <see cref="VideoDecodingException"/> with <see cref="VideoDecodingFailure.Truncated"/> (default false).
    /// </summary>
    public bool AcceptTruncatedFiles { get; init; }

    /// <summary>The default <see cref="MaxFrames"/>: three hours at 1 frame per second.</summary>
    public const int DefaultMaxFrames = 10_800;

    /// <summary>
    /// The most sampled frames one video may give (default <see cref="DefaultMaxFrames"/>); a longer video fails with
    /// <see cref="VideoDecodingFailure.TooManyFrames"/> — before decoding when ffprobe reports its duration, else when
    /// the cap is passed. This bounds a video's memory: its features are kept whole, R×D floats per frame (the built-in
    /// descriptor 9×128: 4.6 KB, so 50 MB at the default; L3-iMAC with PCA to 512: 18 KB, 200 MB), so without a cap a
    /// 24-hour video costs gigabytes however small its picture.
    /// </summary>
    public int MaxFrames { get; init; } = DefaultMaxFrames;

    /// <summary>
    /// How long ffprobe may take to describe a file, and how long ffmpeg may go without delivering the next sampled
    /// frame (default 2 minutes); past it the child process is killed and the video fails with
    /// <see cref="VideoDecodingFailure.TimedOut"/>. <see cref="Timeout.InfiniteTimeSpan"/> waits forever.
    /// </summary>
    public TimeSpan ProcessTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Per-channel RGB mean subtracted after scaling pixels to [0, 1] (default <see cref="ImageNetMean"/>).</summary>
    public IReadOnlyList<float> Mean { get; init; } = ImageNetMean;

    /// <summary>Per-channel RGB standard deviation divided by after subtracting <see cref="Mean"/> (default <see cref="ImageNetStd"/>).</summary>
    public IReadOnlyList<float> Std { get; init; } = ImageNetStd;

    /// <summary>Per-channel RGB mean subtracted after scaling pixels to [0, 1] (ImageNet).</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel RGB standard deviation divided by after subtracting the mean (ImageNet).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(FramesPerSecond > 0) || double.IsInfinity(FramesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "must be a positive finite number");
        if (ResizeShortSide < 1)
            throw new ArgumentOutOfRangeException(nameof(ResizeShortSide), ResizeShortSide, "must be at least 1");
        if (CropSize < 1 || CropSize > ResizeShortSide)
            throw new ArgumentOutOfRangeException(nameof(CropSize), CropSize, $"must be in 1..{nameof(ResizeShortSide)} ({ResizeShortSide})");
        if (!Enum.IsDefined(Resize))
            throw new ArgumentOutOfRangeException(nameof(Resize), Resize, "unknown resize method");
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (MaxFrames < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFrames), MaxFrames, "must be at least 1");
        if (ProcessTimeout != Timeout.InfiniteTimeSpan && (ProcessTimeout <= TimeSpan.Zero || ProcessTimeout.TotalMilliseconds > int.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(ProcessTimeout), ProcessTimeout, $"must be positive and at most {TimeSpan.FromMilliseconds(int.MaxValue)}, or Timeout.InfiniteTimeSpan");

        if (Mean is not { Count: 3 } || Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentOutOfRangeException(nameof(Mean), "must hold three finite values (R, G, B)");
        if (Std is not { Count: 3 } || Std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentOutOfRangeException(nameof(Std), "must hold three positive finite values (R, G, B)");
    }
}
