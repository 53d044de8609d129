using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;

namespace DnS.Core.Features.Decoding;

/// <summary>
/// An ffmpeg process writing fixed-size raw frames to its stdout, read ahead by a background task into a bounded
/// channel of pooled buffers, so decoding overlaps the consumer's work while memory stays at
/// (read-ahead + 1) frames. Disposing kills a process that is still running and waits for it, so no ffmpeg
/// outlives an abandoned or cancelled enumeration.
/// </summary>
/// <remarks>
/// ffmpeg writes to an anonymous stdout pipe rather than FFMpegCore's named-pipe sink: that sink disposes its
/// socket as soon as ffmpeg exits, which can drop the last frames still buffered in the socket.
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

    private FfmpegFrameStream(Process process, int frameBytes, int readAhead)
    {
        _process = process;
        _frameBytes = frameBytes;
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

    /// <summary>Starts ffmpeg with <paramref name="arguments"/> (passed as an argument list, no shell quoting).</summary>
    public static FfmpegFrameStream Start(string ffmpeg, IEnumerable<string> arguments, int frameBytes, int readAhead)
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
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {ffmpeg}");
        return new FfmpegFrameStream(process, frameBytes, readAhead);
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
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
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
        try
        {
            while (true)
            {
                byte[] frame = ArrayPool<byte>.Shared.Rent(_frameBytes);
                int read = await stdout.ReadAtLeastAsync(frame.AsMemory(0, _frameBytes), _frameBytes, throwOnEndOfStream: false, _stop.Token).ConfigureAwait(false);
                // A short read is the end of the stream; a partial frame (ffmpeg killed mid-write) is never passed on.
                if (read < _frameBytes)
                {
                    Return(frame);
                    break;
                }
                try
                {
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
            failure = e;
        }
        _frames.Writer.TryComplete(failure);
    }
}
