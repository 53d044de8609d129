using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;

namespace DnS.Core.Features.Decoding;

/// <summary>
/// An ffmpeg process writing frames to its stdout — fixed-size raw RGB24, or PPM (a header with each frame's size,
/// so rotation or a mid-stream resolution change needs no probing) turned into fixed-size frames by a
/// <see cref="FrameConverter"/> — read ahead by a background task into a bounded channel of pooled buffers, so
/// decoding overlaps the consumer's work while memory stays at (read-ahead + 1) output frames plus one source frame.
/// Disposing kills a process that is still running and waits for it, so no ffmpeg outlives an abandoned or
/// canceled enumeration.
/// </summary>
/// <remarks>
/// ffmpeg is driven directly (argument list, anonymous stdout pipe) rather than through FFMpegCore: its
/// named-pipe sink disposes the socket as soon as ffmpeg exits, which can drop the last frames still buffered
/// there, and its argument strings break on file names containing quotes.
/// </remarks>
internal sealed class FfmpegFrameStream : IAsyncDisposable
{
    private const int StderrLinesKept = 40;

    private readonly Process _process;
    private readonly int _frameBytes;
    private readonly Channel<byte[]> _frames;
    private readonly Task _reader;
    private readonly Queue<string> _stderrTail = new();
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly FrameConverter? _converter;

    /// <summary>Turns one packed RGB24 source frame of width×height into an output frame of the stream's fixed size.</summary>
    public delegate void FrameConverter(ReadOnlySpan<byte> rgb, int width, int height, Span<byte> output);

    private readonly string _videoPath;

    private FfmpegFrameStream(string videoPath, Process process, int frameBytes, int readAhead, FrameConverter? converter)
    {
        _videoPath = videoPath;
        _process = process;
        _frameBytes = frameBytes;
        _converter = converter;
        _frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(readAhead) { SingleReader = true, SingleWriter = true });
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrClosed.TrySetResult();
                return;
            }
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(e.Data);
                if (_stderrTail.Count > StderrLinesKept) _stderrTail.Dequeue();
            }
        };
        _process.BeginErrorReadLine();
        _reader = Task.Run(ReadFramesAsync);
    }

    /// <summary>
    /// Starts ffmpeg with <paramref name="arguments"/> (an argument list, no shell quoting). Without a converter
    /// ffmpeg must write raw frames of <paramref name="frameBytes"/>; with one it must write PPM (P6) frames.
    /// </summary>
    public static FfmpegFrameStream Start(string videoPath, string ffmpeg, IEnumerable<string> arguments, int frameBytes, int readAhead, FrameConverter? converter = null)
    {
        var info = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new VideoDecodingException(videoPath, VideoDecodingFailure.FfmpegNotFound, $"could not start {ffmpeg}: {e.Message}", e);
        }
        return new FfmpegFrameStream(videoPath, process, frameBytes, readAhead, converter);
    }

    /// <summary>The next complete frame (a pooled buffer of at least frameBytes; give it back with <see cref="Return"/>), or null at the end.</summary>
    public async ValueTask<byte[]?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (await _frames.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            if (_frames.Reader.TryRead(out var frame)) return frame;
        return null;
    }

    /// <summary>Returns a frame buffer to the pool.</summary>
    public static void Return(byte[] frame) => ArrayPool<byte>.Shared.Return(frame);

    /// <summary>Waits for ffmpeg to exit after the last frame; returns its exit code and the tail of its stderr.</summary>
    public async Task<(int ExitCode, string[] Errors)> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _stderrClosed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_stderrTail) return (_process.ExitCode, _stderrTail.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        FfmpegTools.Kill(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reader's failure (if any) was already surfaced through the channel; disposal must not throw.
        }
        while (_frames.Reader.TryRead(out var frame)) Return(frame);
        _process.Dispose();
        _stop.Dispose();
    }

    private async Task ReadFramesAsync()
    {
        var stdout = _process.StandardOutput.BaseStream;
        Exception? failure = null;
        byte[] source = [];
        byte[] headerScratch = new byte[1];
        try
        {
            while (true)
            {
                byte[] frame = ArrayPool<byte>.Shared.Rent(_frameBytes);
                bool complete;
                try
                {
                    if (_converter is null)
                    {
                        complete = await ReadFullyAsync(stdout, frame.AsMemory(0, _frameBytes)).ConfigureAwait(false);
                    }
                    else
                    {
                        var header = await PpmHeader.ReadAsync(stdout, headerScratch, _stop.Token).ConfigureAwait(false);
                        complete = header is not null;
                        if (complete)
                        {
                            var (width, height) = header!.Value;
                            int bytes = checked(width * height * 3);
                            if (source.Length < bytes)
                            {
                                if (source.Length > 0) ArrayPool<byte>.Shared.Return(source);
                                source = ArrayPool<byte>.Shared.Rent(bytes);
                            }
                            complete = await ReadFullyAsync(stdout, source.AsMemory(0, bytes)).ConfigureAwait(false);
                            if (complete) _converter(source.AsSpan(0, bytes), width, height, frame.AsSpan(0, _frameBytes));
                        }
                    }
                    // A short read is the end of the stream; a partial frame (ffmpeg killed mid-write) is never passed on.
                    if (!complete)
                    {
                        Return(frame);
                        break;
                    }
                    await _frames.Writer.WriteAsync(frame, _stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    Return(frame);
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposal: the consumer is gone.
        }
        catch (Exception e)
        {
            failure = new VideoDecodingException(_videoPath, VideoDecodingFailure.DecodeFailed, $"reading ffmpeg's output failed: {e.Message}", e);
        }
        finally
        {
            if (source.Length > 0) ArrayPool<byte>.Shared.Return(source);
        }
        _frames.Writer.TryComplete(failure);
    }

    private async ValueTask<bool> ReadFullyAsync(Stream stream, Memory<byte> buffer)
        => await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, _stop.Token).ConfigureAwait(false) == buffer.Length;
}
