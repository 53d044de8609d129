using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace DnS.Core.Features.Decoding;

/// <summary>
/// Decodes a video file into batches of preprocessed frames for the backbone, through the system ffmpeg:
/// sampling on timestamps (<c>fps</c> filter, so variable frame rate is handled), display rotation applied
/// (ffmpeg's autorotate), shorter side resized with bicubic interpolation, center crop, RGB24 frames streamed
/// through a pipe (no temporary files), then NCHW floats normalized with the options' mean and std (ImageNet's by
/// default). A still image (PNG, JPEG, ...) decodes as a one-frame video.
/// </summary>
/// <remarks>
/// Memory is bounded whatever the video length: one float batch, a read-ahead of at most
/// <see cref="VideoDecodingOptions.BatchSize"/> cropped RGB24 frames, and one full-size source frame. Thread-safe: each enumeration owns its own ffmpeg process.
/// </remarks>
public sealed class VideoFrameDecoder
{
    private readonly VideoDecodingOptions _options;
    private readonly FrameNormalizer _normalizer;

    /// <summary>Creates a decoder; <paramref name="options"/> defaults to the reference preprocessing.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid.</exception>
    public VideoFrameDecoder(VideoDecodingOptions? options = null)
    {
        _options = options ?? new VideoDecodingOptions();
        _options.Validate();
        _normalizer = new FrameNormalizer(_options.Mean, _options.Std);
    }

    /// <summary>The options in use.</summary>
    public VideoDecodingOptions Options => _options;

    /// <summary>
    /// Streams the sampled frames of <paramref name="path"/> as batches of
    /// <see cref="VideoDecodingOptions.BatchSize"/> frames (the last one may be smaller). A clip shorter than one
    /// sampling period gives exactly one frame.
    /// </summary>
    /// <remarks>
    /// Each batch's pixel memory is reused: it is valid until the enumerator moves on. Canceling, or leaving the
    /// loop early, stops ffmpeg within the current frame.
    /// </remarks>
    /// <exception cref="VideoDecodingException">The file cannot be decoded; <see cref="VideoDecodingException.Reason"/> says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async IAsyncEnumerable<FrameBatch> DecodeAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        CheckFile(path);
        var tools = FfmpegTools.Locate(_options.FfmpegFolder, path);
        await ProbeAsync(tools, path, cancellationToken).ConfigureAwait(false);

        int side = _options.CropSize, frameBytes = side * side * 3, frameFloats = frameBytes;
        int batch = _options.BatchSize;
        FfmpegFrameStream.FrameConverter? converter = _options.Resize switch
        {
            ResizeMethod.Reference => new ReferenceResizeCrop(_options.ResizeShortSide, side).Apply,
            ResizeMethod.Pillow => new PillowResizeCrop(_options.ResizeShortSide, side).Apply,
            _ => null,
        };
        var stream = FfmpegFrameStream.Start(path, tools.Ffmpeg, BuildArguments(path), frameBytes, readAhead: batch, converter);
        float[] pixels = ArrayPool<float>.Shared.Rent(batch * frameFloats);
        try
        {
            int count = 0, first = 0;
            while (await NextFrameAsync(stream, path, cancellationToken).ConfigureAwait(false) is { } frame)
            {
                if (first + count == _options.MaxFrames)
                {
                    FfmpegFrameStream.Return(frame);
                    throw TooManyFrames(path, $"gives more than {_options.MaxFrames} sampled frames");
                }
                try
                {
                    _normalizer.Normalize(frame.AsSpan(0, frameBytes), pixels.AsSpan(count * frameFloats, frameFloats));
                }
                finally
                {
                    FfmpegFrameStream.Return(frame);
                }
                if (++count == batch)
                {
                    yield return new FrameBatch(pixels.AsMemory(0, count * frameFloats), count, side, side, first);
                    first += count;
                    count = 0;
                }
            }
            int exitCode;
            string[] errors;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(_options.ProcessTimeout);
            try
            {
                (exitCode, errors) = await stream.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(path, "to exit after its last frame", e);
            }
            ThrowOnFailure(path, exitCode, errors, decodedFrames: first + count);
            if (count > 0) yield return new FrameBatch(pixels.AsMemory(0, count * frameFloats), count, side, side, first);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            ArrayPool<float>.Shared.Return(pixels);
        }
    }

    /// <summary>
    /// The ffmpeg command line after <c>ffmpeg</c>: decode the first video stream, sample, then either send full
    /// frames as PPM (<see cref="ResizeMethod.Reference"/>, <see cref="ResizeMethod.Pillow"/>) or resize (and crop) in the filter graph and send raw RGB24.
    /// </summary>
    internal IReadOnlyList<string> BuildArguments(string path) =>
    [
        "-nostdin", "-hide_banner", "-loglevel", "error",
        // "file:" keeps ffmpeg from reading a protocol into a path that contains ':'.
        "-i", "file:" + path,
        "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", FilterGraph(),
        .. _options.Resize is ResizeMethod.Reference or ResizeMethod.Pillow
            ? (string[])["-f", "image2pipe", "-c:v", "ppm", "pipe:1"]
            : ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    ];

    /// <summary>
    /// fps with round=up keeps, for every tick k/fps, the last frame at or before it (frames 0, f, 2f, ... of a
    /// constant-rate video, as the reference's frame counter does). The YUV → RGB conversion uses swscale's bicubic
    /// (what OpenCV's ffmpeg capture uses). In ffmpeg mode, scale keeps the aspect ratio with the shorter side at
    /// ResizeShortSide using Keys' cubic a = −0.75 (param1 = 0.75, OpenCV's INTER_CUBIC kernel), and the crop comes
    /// after the RGB conversion so its offset is not rounded to chroma subsampling.
    /// </summary>
    internal string FilterGraph()
    {
        var inv = CultureInfo.InvariantCulture;
        string sample = string.Create(inv, $"fps=fps={_options.FramesPerSecond.ToString("R", inv)}:round=up,");
        const string Bicubic = "flags=bicubic+accurate_rnd+full_chroma_int:param0=0:param1=0.75";
        int s = _options.ResizeShortSide, c = _options.CropSize;
        if (_options.Resize == ResizeMethod.Stretch) return sample + string.Create(inv, $"scale=w={c}:h={c}:{Bicubic},format=rgb24");
        if (_options.Resize != ResizeMethod.Ffmpeg) return sample + "format=rgb24";
        return sample + string.Create(inv,
            $"scale=w={s}:h={s}:force_original_aspect_ratio=increase:{Bicubic}," +
            $"format=rgb24,crop=w={c}:h={c}");
    }

    private static void CheckFile(string path)
    {
        if (Directory.Exists(path))
            throw new VideoDecodingException(path, VideoDecodingFailure.Unreadable, "is a directory, not a video file");
        if (!File.Exists(path))
            throw new VideoDecodingException(path, VideoDecodingFailure.FileNotFound, "file not found");
        // File.Exists is true for a symbolic link itself, even when nothing is at its end.
        try
        {
            if (File.ResolveLinkTarget(path, returnFinalTarget: true) is { Exists: false } target)
                throw new VideoDecodingException(path, VideoDecodingFailure.FileNotFound, $"is a symbolic link to {target.FullName}, which does not exist");
        }
        catch (IOException e)
        {
            throw new VideoDecodingException(path, VideoDecodingFailure.Unreadable, $"is a symbolic link that cannot be followed: {e.Message}", e);
        }
        // Before anything opens it: opening a FIFO blocks until someone writes to it.
        if (FileKind.DescribeSpecial(path) is { } kind)
            throw new VideoDecodingException(path, VideoDecodingFailure.Unreadable, $"is {kind}, not a regular file: refused, reading it could block forever");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            if (stream.Length == 0)
                throw new VideoDecodingException(path, VideoDecodingFailure.EmptyFile, "file is empty (0 bytes)");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new VideoDecodingException(path, VideoDecodingFailure.Unreadable, $"cannot be opened for reading: {e.Message}", e);
        }
    }

    // The wait for the next frame is bounded by ProcessTimeout, so a stalled ffmpeg is killed (by the stream's
    // disposal) instead of hanging the caller. Only the wait counts: the consumer's time between frames does not.
    private async ValueTask<byte[]?> NextFrameAsync(FfmpegFrameStream stream, string path, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.ProcessTimeout);
        try
        {
            return await stream.ReadFrameAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(path, "to deliver the next frame", e);
        }
    }

    private VideoDecodingException TimedOut(string path, string what, Exception inner) =>
        new(path, VideoDecodingFailure.TimedOut, $"ffmpeg took longer than {_options.ProcessTimeout.TotalSeconds:0.#} s {what} and was killed", inner);

    private VideoDecodingException TooManyFrames(string path, string what) =>
        new(path, VideoDecodingFailure.TooManyFrames,
            $"{what}, more than {nameof(VideoDecodingOptions)}.{nameof(VideoDecodingOptions.MaxFrames)} = {_options.MaxFrames} allows " +
            $"(at {_options.FramesPerSecond.ToString(CultureInfo.InvariantCulture)} frame(s) per second)");

    private async Task ProbeAsync(FfmpegTools tools, string path, CancellationToken cancellationToken)
    {
        var probe = await MediaProbe.RunAsync(tools.Ffprobe, path, _options.ProcessTimeout, cancellationToken).ConfigureAwait(false);
        // ffmpeg's "tty" demuxer renders any .txt/.nfo/.asc file as ANSI art: a text file is not a video.
        if (probe.FormatName == "tty")
            throw new VideoDecodingException(path, VideoDecodingFailure.NotAMediaFile, "is a text file, not a video");
        if (probe.VideoStreams == 0)
            throw new VideoDecodingException(path, VideoDecodingFailure.NoVideoStream,
                $"has no video stream ({probe.AudioStreams} audio stream(s), format '{probe.FormatName}')");
        // Refused before decoding hours of video only to fail at the cap.
        if (probe.Duration is { } seconds && Math.Floor(seconds * _options.FramesPerSecond) > _options.MaxFrames)
            throw TooManyFrames(path, $"lasts {seconds.ToString("0.#", CultureInfo.InvariantCulture)} s, {Math.Floor(seconds * _options.FramesPerSecond)} sampled frames");
    }

    private void ThrowOnFailure(string path, int exitCode, string[] errors, int decodedFrames)
    {
        string detail = errors.Length == 0 ? "no message" : string.Join(" | ", errors.TakeLast(5));
        if (errors.Any(IsTruncationMessage) && !_options.AcceptTruncatedFiles)
            throw new VideoDecodingException(path, VideoDecodingFailure.Truncated,
                $"file is truncated: ffmpeg stopped after {decodedFrames} sampled frame(s) ({detail})");
        if (exitCode != 0)
            throw new VideoDecodingException(path, VideoDecodingFailure.DecodeFailed, $"ffmpeg exited with code {exitCode} after {decodedFrames} sampled frame(s) ({detail})");
        if (decodedFrames == 0)
            throw new VideoDecodingException(path, VideoDecodingFailure.DecodeFailed, $"ffmpeg decoded no frame ({detail})");
    }

    /// <summary>ffmpeg's words for a file that ends early (MP4 without its index, cut packets, cut Matroska/WebM).</summary>
    internal static bool IsTruncationMessage(string message) =>
        message.Contains("partial file", StringComparison.Ordinal)
        || message.Contains("File ended prematurely", StringComparison.Ordinal)
        || message.Contains("moov atom not found", StringComparison.Ordinal);
}
