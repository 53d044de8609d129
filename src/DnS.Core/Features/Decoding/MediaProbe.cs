using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace DnS.Core.Features.Decoding;

/// <summary>What ffprobe reports about a file: its container format, the kinds of its streams and its duration (seconds, when known).</summary>
internal sealed record MediaProbe(string FormatName, int VideoStreams, int AudioStreams, double? Duration)
{
    /// <summary>
    /// Runs <c>ffprobe -show_format -show_streams</c> on <paramref name="path"/> with an argument list (no shell
    /// quoting, so any file name works) and classifies failures. ffprobe is killed when it takes longer than
    /// <paramref name="timeout"/> or the caller cancels.
    /// </summary>
    /// <exception cref="VideoDecodingException">ffprobe cannot start, times out, or does not recognize the file.</exception>
    public static async Task<MediaProbe> RunAsync(string ffprobe, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(ffprobe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in new[] { "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "file:" + path })
            info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned no process");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            throw new VideoDecodingException(path, VideoDecodingFailure.FfmpegNotFound, $"could not run {ffprobe}: {e.Message}", e);
        }
        using (process)
        {
            string json, errors;
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
                var stderr = process.StandardError.ReadToEndAsync(limit.Token);
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
                json = await stdout.ConfigureAwait(false);
                errors = await stderr.ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new VideoDecodingException(path, VideoDecodingFailure.TimedOut, $"ffprobe gave no answer within {timeout.TotalSeconds:0.#} s and was killed", e);
            }
            finally
            {
                FfmpegTools.Kill(process);
            }
            if (process.ExitCode != 0)
            {
                bool truncated = VideoFrameDecoder.IsTruncationMessage(errors) && StartsLikeIsoMedia(path);
                string cause = LastLine(errors);
                throw new VideoDecodingException(path, truncated ? VideoDecodingFailure.Truncated : VideoDecodingFailure.NotAMediaFile,
                    (truncated ? "file is truncated" : "not a recognized media file") + $" (ffprobe: {cause})");
            }
            return Parse(path, json);
        }
    }

    private static MediaProbe Parse(string path, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            string format = doc.RootElement.TryGetProperty("format", out var f) && f.TryGetProperty("format_name", out var name)
                ? name.GetString() ?? "" : "";
            double? duration = doc.RootElement.TryGetProperty("format", out var container) && container.ValueKind == JsonValueKind.Object
                && container.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.String && double.TryParse(d.GetString(),
                System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds)
                ? seconds : null;
            int video = 0, audio = 0;
            if (doc.RootElement.TryGetProperty("streams", out var streams))
                foreach (var s in streams.EnumerateArray())
                {
                    string type = s.TryGetProperty("codec_type", out var t) ? t.GetString() ?? "" : "";
                    if (type == "video") video++;
                    else if (type == "audio") audio++;
                }
            return new MediaProbe(format, video, audio, duration);
        }
        catch (JsonException e)
        {
            throw new VideoDecodingException(path, VideoDecodingFailure.NotAMediaFile, "ffprobe gave no readable description of the file", e);
        }
    }

    /// <summary>An ISO-BMFF (MP4/MOV) file starts with an 'ftyp' box: "moov atom not found" then means cut off, not garbage.</summary>
    private static bool StartsLikeIsoMedia(string path)
    {
        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head[4..].SequenceEqual("ftyp"u8);
    }

    private static string LastLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "no message" : lines[^1];
    }
}
