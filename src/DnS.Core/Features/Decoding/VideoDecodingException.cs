namespace DnS.Core.Features.Decoding;

/// <summary>A video could not be decoded; the message names the file and the cause (with ffmpeg's own words when it gave any).</summary>
public sealed class VideoDecodingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VideoDecodingException(string filePath, VideoDecodingFailure reason, string message, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>The video file concerned.</summary>
    public string FilePath { get; }

    /// <summary>The cause, for programmatic handling (skip, retry, report).</summary>
    public VideoDecodingFailure Reason { get; }
}
