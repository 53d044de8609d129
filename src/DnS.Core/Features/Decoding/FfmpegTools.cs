namespace DnS.Core.Features.Decoding;

/// <summary>Resolved paths of the ffmpeg and ffprobe executables.</summary>
internal sealed record FfmpegTools(string Ffmpeg, string Ffprobe)
{
    /// <summary>
    /// Looks in <paramref name="folder"/> when given (and only there: a configured folder without the tools is an
    /// error, not a silent fall-back to another ffmpeg on the PATH), otherwise in every PATH directory.
    /// </summary>
    /// <exception cref="VideoDecodingException">ffmpeg or ffprobe is missing (<see cref="VideoDecodingFailure.FfmpegNotFound"/>).</exception>
    public static FfmpegTools Locate(string? folder, string videoPath)
    {
        string suffix = OperatingSystem.IsWindows() ? ".exe" : "";
        string[] folders = folder is not null
            ? [folder]
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string? Find(string name)
        {
            foreach (var dir in folders)
            {
                string candidate = Path.Combine(dir, name + suffix);
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            return null;
        }
        string? ffmpeg = Find("ffmpeg"), ffprobe = Find("ffprobe");
        if (ffmpeg is null || ffprobe is null)
        {
            string where = folder is not null ? $"in the configured folder '{folder}'" : "on the PATH";
            string missing = ffmpeg is null && ffprobe is null ? "ffmpeg and ffprobe" : ffmpeg is null ? "ffmpeg" : "ffprobe";
            throw new VideoDecodingException(videoPath, VideoDecodingFailure.FfmpegNotFound,
                $"{missing} not found {where}; install ffmpeg or set {nameof(VideoDecodingOptions)}.{nameof(VideoDecodingOptions.FfmpegFolder)}");
        }
        return new FfmpegTools(ffmpeg, ffprobe);
    }

    /// <summary>Kills <paramref name="process"/> and its children if it is still running; no child outlives its decode.</summary>
    public static void Kill(System.Diagnostics.Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }
}
